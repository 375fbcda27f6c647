import { loadEnv } from './env';
import { assertKernelRuntime } from './kernel-runtime';
import { startWorker } from './worker';

const env = loadEnv();
assertKernelRuntime(env.NODE_OPTIONS);
const worker = await startWorker(env);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // The drain deadline, the hand-back and the queue's own stop, with room to spare.
    const timer = setTimeout(() => process.exit(1), (env.QUARRY_RUNNER_DRAIN_SECONDS + 20) * 1000);
    void worker.stop().then(() => {
      clearTimeout(timer);
      process.exit(0);
    });
  });
}
