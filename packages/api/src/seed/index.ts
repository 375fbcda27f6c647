export { DEMO_SQL, type DemoWarehouse, seedDemoWorkspace } from './demo-workspace';
