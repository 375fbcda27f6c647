export { launchProduct, prepareProduct, type RunningProduct } from './product';
