import { observingLogStream } from '@quarry/leak-scan';
import { loadEnv as loadRunnerEnv, type RunningWorker, startWorker } from '@quarry/query-runner';

/** What the tests' loopback servers (the warehouse, fake servers) need to be reachable. */
export const TEST_PRIVATE_HOSTS = '127.0.0.1,::1,localhost';

/**
 * A real query runner in this process for a test database, logging at info into the leak scan
 * (nothing reaches stdout). `allowPrivateHosts: ''` is the address policy as a real deployment has
 * it, with nothing private allowed.
 */
export function startTestRunner(input: {
  databaseUrl: string;
  masterKey: string;
  allowPrivateHosts?: string;
}): Promise<RunningWorker> {
  return startWorker(
    loadRunnerEnv({
      DATABASE_URL: input.databaseUrl,
      QUARRY_MASTER_KEY: input.masterKey,
      LOG_LEVEL: 'info',
      RUNNER_HEALTH_PORT: '0',
      QUARRY_ALLOWED_PRIVATE_HOSTS: input.allowPrivateHosts ?? TEST_PRIVATE_HOSTS,
    }),
    { logDestination: observingLogStream('runner') },
  );
}
