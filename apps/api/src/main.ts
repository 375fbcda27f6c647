import { loadEnv } from './env';
import { startApi } from './server';

const api = await startApi(loadEnv(), { reconcileSchemas: true });
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(1), 10_000);
    void api.close().then(() => {
      clearTimeout(timer);
      process.exit(0);
    });
  });
}
