import { type ApiHarness, FIXTURE_PASSWORD } from '@quarry/api/testing';
import { observingLogStream } from '@quarry/leak-scan';
import { loadEnv } from '../env';
import { type RunningApi, startApi } from '../server';

export { FIXTURE_PASSWORD };

export type TestApi = RunningApi & {
  /** Every line the API logged, as written (JSON). */
  logLines: string[];
  /** POSTs a tRPC mutation the way the SPA does (same origin, JSON, superjson's `{ json }`). */
  mutate: (path: string, input: unknown, headers?: Record<string, string>) => Promise<Response>;
};

/**
 * The real API process (env parsing, logger, Hono app, tRPC, node's HTTP server) on a free port
 * over the harness's database, logging at info into `logLines`. The leak scan reads every log line,
 * and every response a test fetches (its setup file observes `fetch`); the harness's vault, under
 * the same master key, lets the scan open what this API seals when the database is dropped.
 */
export async function startTestApi(h: ApiHarness, env: Record<string, string> = {}): Promise<TestApi> {
  const logLines: string[] = [];
  const api = await startApi(
    loadEnv({
      DATABASE_URL: h.database.url,
      QUARRY_MASTER_KEY: h.masterKey,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    }),
    { logDestination: observingLogStream('api', (line) => void logLines.push(line)) },
  );
  const mutate = (path: string, input: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api.url}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...headers },
      body: JSON.stringify({ json: input }),
    });
  return { ...api, logLines, mutate };
}
