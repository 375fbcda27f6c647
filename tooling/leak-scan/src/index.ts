export { registerInputSecrets } from './input-secrets';
export {
  createLeakScan,
  type Leak,
  type LeakScan,
  leakScan,
  MIN_SECRET_LENGTH,
  type Opener,
  observe,
  registerSecret,
  resetLeakScan,
} from './leak-scan';
export { observeCaller } from './observe-caller';
export { installFetchObserver, observeResponse } from './observe-fetch';
export { type ObservingLogger, observingLogger, observingLogStream } from './observing-logger';
export { textForScan } from './serialize';
export { registerSweeper, type Sweeper, sweepTestDatabase } from './sweep';
export { registerSealed, registerSealedRecord, SECRET_PURPOSES, watchVault } from './watch-vault';
