import { loadEnv } from './env';
import { assertKernelRuntime } from './kernel-runtime';
import { startWorker } from './worker';

assertKernelRuntime();
const worker = await startWorker(loadEnv());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    const timer = setTimeout(() => process.exit(1), 15_000);
    void worker.stop().then(() => {
      clearTimeout(timer);
      process.exit(0);
    });
  });
}
