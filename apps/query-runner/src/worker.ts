import { createServer, type Server } from 'node:http';
import { ownDatabaseFrom } from '@quarry/connectors';
import { createDb, errorForLog } from '@quarry/db';
import { connectionProbes } from '@quarry/db/schema';
import { EMPTY_ALLOW_LIST, parseAllowList } from '@quarry/net-policy';
import { QUEUE_SCHEMA, startQueue } from '@quarry/queue';
import { sweepExpiredChunks } from '@quarry/results';
import { loadVaultFromEnv } from '@quarry/vault';
import { lt } from 'drizzle-orm';
import pino from 'pino';
import type { Env } from './env';
import { executeRun } from './execute-run';
import { serveRunnerMetrics } from './metrics';
import { refreshSchema } from './refresh-schema';
import { startRunCancellations } from './run-cancellations';
import { testConnection } from './test-connection';

export type WorkerState = 'starting' | 'running' | 'draining' | 'stopped';
export type RunningWorker = { state: () => WorkerState; healthUrl: string; stop: () => Promise<void> };

/**
 * The runner process: takes `run.execute` jobs and executes them. States are explicit
 * (starting → running → draining → stopped) and shutdown is bounded.
 */
export async function startWorker(
  env: Readonly<Env>,
  options: { logDestination?: pino.DestinationStream } = {},
): Promise<RunningWorker> {
  let state: WorkerState = 'starting';
  const log = pino(
    {
      name: 'query-runner',
      level: env.LOG_LEVEL,
      base: { service: 'query-runner' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // A failed query's bound values never reach the log.
      serializers: { err: errorForLog },
    },
    // Tests pass a stream that scans every line for stored secrets; the product logs to stdout.
    options.logDestination ?? pino.destination(1),
  );
  const vault = loadVaultFromEnv(env);
  if (!vault.ok) throw new Error(`${vault.error.message}${vault.error.hint ? ` (${vault.error.hint})` : ''}`);
  const { db, sql, close } = createDb(env.DATABASE_URL, {
    max: env.QUARRY_RUNNER_CONCURRENCY * 2 + 2,
    applicationName: 'quarry-runner',
  });
  const queue = await startQueue(env.DATABASE_URL, { supervise: true });
  // Validated by loadEnv; an invalid list never gets here.
  const allowed = parseAllowList(env.QUARRY_ALLOWED_PRIVATE_HOSTS);
  const allowPrivateHosts = allowed.ok ? allowed.value : EMPTY_ALLOW_LIST;
  if (allowPrivateHosts.entries.length > 0) {
    log.info(
      { allowed: allowPrivateHosts.entries },
      'data connections may reach these private hosts (QUARRY_ALLOWED_PRIVATE_HOSTS)',
    );
  }
  const ownDatabase = ownDatabaseFrom(env.DATABASE_URL);
  const cancellations = await startRunCancellations(sql);
  const deps = {
    cancellations,
    allowPrivateHosts,
    ...(ownDatabase ? { ownDatabase } : {}),
    db,
    sql,
    vault: vault.value,
    log,
    now: () => new Date(),
    limits: {
      maxValueBytes: env.QUARRY_RUNNER_MAX_VALUE_BYTES,
      maxResultBytes: env.QUARRY_RUNNER_MAX_RESULT_BYTES,
    },
  };
  // Every job of the catalog needs its entry here: a job without a handler fails to compile.
  await queue.workAll({
    'run.execute': {
      concurrency: env.QUARRY_RUNNER_CONCURRENCY,
      async handle(payload, job) {
        try {
          await executeRun(deps, payload, job.signal);
        } catch (error) {
          log.error({ runId: payload.runId, err: error }, 'run handler failed');
          throw error;
        }
      },
    },
    // Its answer is the job's output, which the API waits for.
    'connection.test': { concurrency: 2, handle: (payload) => testConnection(deps, payload) },
    'schema.refresh': {
      concurrency: 1,
      handle: (payload, job) => refreshSchema(deps, payload, { jobId: job.id, signal: job.signal }),
    },
    'run.chunks.sweep': {
      concurrency: 1,
      async handle() {
        const swept = await sweepExpiredChunks(db, new Date());
        if (swept) log.info({ swept }, 'expired result chunks deleted');
        // Settings sealed for a test nobody ran (the runner was down) go too.
        await db.delete(connectionProbes).where(lt(connectionProbes.expiresAt, new Date()));
      },
    },
  });

  const health: Server = createServer(async (req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(state === 'stopped' ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: state !== 'stopped', state }));
      return;
    }
    if (req.url === '/readyz') {
      const queueReady = await sql`select to_regclass(${`${QUEUE_SCHEMA}.job`}) is not null as ok`
        .then((r) => r[0]?.ok === true)
        .catch(() => false);
      const ok = state === 'running' && queueReady;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok, state, database: queueReady, queue: queueReady }));
      return;
    }
    if (req.url === '/metrics') return serveRunnerMetrics(res, queue);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => health.listen(env.RUNNER_HEALTH_PORT, env.HOST, resolve));
  const address = health.address();
  const port = typeof address === 'object' && address ? address.port : env.RUNNER_HEALTH_PORT;
  state = 'running';
  log.info({ concurrency: env.QUARRY_RUNNER_CONCURRENCY, healthPort: port }, 'query runner ready');

  return {
    state: () => state,
    healthUrl: `http://${env.HOST}:${port}`,
    async stop() {
      if (state === 'stopped' || state === 'draining') return;
      state = 'draining';
      log.info({}, 'draining: no new runs; finishing what is running');
      await queue.stop({ graceful: true, timeoutMs: 10_000 });
      await cancellations.close();
      await new Promise<void>((resolve) => health.close(() => resolve()));
      await close();
      state = 'stopped';
      log.info({}, 'stopped');
    },
  };
}
