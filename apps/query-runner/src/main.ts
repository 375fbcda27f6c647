import { loadEnv } from './env';
import { assertKernelRuntime } from './kernel-runtime';
import { startWorker } from './worker';

const env = loadEnv();
assertKernelRuntime(env.NODE_OPTIONS);
const worker = await startWorker(env);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    const timer = setTimeout(() => process.exit(1), 15_000);
    void worker.stop().then(() => {
      clearTimeout(timer);
      process.exit(0);
    });
  });
}
