import { createServer, type Server } from 'node:http';
import { createPostgresSessionPool, ownDatabaseFrom } from '@quarry/connectors';
import type { RunExecuteJob } from '@quarry/contracts';
import { createDb, errorForLog } from '@quarry/db';
import { connectionProbes } from '@quarry/db/schema';
import { EMPTY_ALLOW_LIST, parseAllowList } from '@quarry/net-policy';
import { jobNames, QUEUE_SCHEMA, startQueue } from '@quarry/queue';
import { sweepExpiredCache, sweepExpiredChunks } from '@quarry/results';
import { loadVaultFromEnv } from '@quarry/vault';
import { lt } from 'drizzle-orm';
import pino from 'pino';
import { failAbandonedRuns } from './abandoned-runs';
import { createRunnerKernels } from './cells';
import { createConnectorCache } from './connector-cache';
import type { Env } from './env';
import { executeRun, handBack, RunRetryError } from './execute-run';
import { serveRunnerMetrics } from './metrics';
import { refreshSchema } from './refresh-schema';
import { startRunCancellations } from './run-cancellations';
import { testConnection } from './test-connection';

export type WorkerState = 'starting' | 'running' | 'draining' | 'stopped';

/** Resolves once `check` holds, or after `ms` whatever it says. */
async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}
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
    genericPlans: true,
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
  // JS cells' kernels: a supervised pool of child processes, apart from this loop (KRN-1).
  const kernels = createRunnerKernels(env, log);
  // Warehouse sessions kept between runs: a small query skips connecting, TLS and signing in.
  const sessions = createPostgresSessionPool({
    idleMs: env.QUARRY_RUNNER_SESSION_IDLE_SECONDS * 1000,
    // At most every slot's session of a connection idles, kept for the next burst, and a few
    // connections' worth in all (the one idle longest goes first).
    maxIdlePerKey: env.QUARRY_RUNNER_CONCURRENCY,
    maxIdle: env.QUARRY_RUNNER_CONCURRENCY * 4,
  });
  // Their connectors, unwrapped once for as long: a burst on one connection audits one unwrap.
  const connectors = createConnectorCache({
    idleMs: env.QUARRY_RUNNER_SESSION_IDLE_SECONDS * 1000,
    max: env.QUARRY_RUNNER_CONCURRENCY * 4,
  });
  const deps = {
    cancellations,
    ...(env.QUARRY_RUNNER_SESSION_IDLE_SECONDS > 0 ? { sessions, connectors } : {}),
    kernels,
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
  /** The runs this runner holds, so a shutdown past its deadline can hand them back. */
  const held = new Map<string, { job: RunExecuteJob; stop: AbortController; handedBack: boolean }>();

  // Every job of the catalog needs its entry here: a job without a handler fails to compile.
  await queue.workAll({
    'run.execute': {
      concurrency: env.QUARRY_RUNNER_CONCURRENCY,
      // The job's group is its connection: at most this many of its queries at once, everywhere.
      groupConcurrency: env.QUARRY_CONNECTION_QUERY_LIMIT,
      async handle(payload, job) {
        if (state === 'draining' || state === 'stopped') throw new Error('the runner is shutting down');
        const entry = { job: payload, stop: new AbortController(), handedBack: false };
        held.set(payload.runId, entry);
        try {
          const outcome = await executeRun(deps, payload, AbortSignal.any([job.signal, entry.stop.signal]), {
            retriesLeft: job.retriesLeft,
            // Taken only within the owner's and the connection's limits (see Admission).
            admission: {
              ownerLimit: env.QUARRY_USER_ACTIVE_RUN_LIMIT,
              connectionLimit: env.QUARRY_CONNECTION_QUERY_LIMIT,
            },
          });
          if (outcome) {
            // Back to the queue for a moment, as a job of its own that the run now names: under the
            // connection it waits for (see untakenRun), with its owner's place as its start had it.
            const again = await queue.send(
              'run.execute',
              { ...payload, ...(outcome.waitFor ? { connectionId: outcome.waitFor } : {}) },
              { startAfterSeconds: 1, outstanding: outcome.outstanding },
            );
            await sql`update runs set job_id = ${again}
              where id = ${payload.runId} and workspace_id = ${payload.workspaceId} and status = 'queued'`;
            log.info(
              { runId: payload.runId, waitFor: outcome.waitFor },
              'run waits: its owner or connection is at its limit',
            );
            return;
          }
        } catch (error) {
          if (error instanceof RunRetryError) {
            log.info(
              { runId: payload.runId, code: error.code },
              'run queued again after a transient failure',
            );
          } else {
            log.error({ runId: payload.runId, err: error }, 'run handler failed');
          }
          throw error;
        } finally {
          held.delete(payload.runId);
        }
        // Handed back at shutdown: failing the job makes the queue retry it on another runner.
        if (entry.handedBack) throw new Error('handed back at shutdown');
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
        // Cached results past their TTL, and entries a dead runner left half written.
        const sweptCache = await sweepExpiredCache(db, new Date());
        if (sweptCache) log.info({ swept: sweptCache }, 'expired cached results deleted');
        // Runs whose job exhausted its retries (or otherwise ended) without ending them (JOB-5).
        const abandoned = await failAbandonedRuns(deps);
        if (abandoned) log.warn({ abandoned }, 'runs left behind by their jobs failed');
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
    if (req.url === '/metrics') return serveRunnerMetrics(req, res, queue, env.QUARRY_METRICS_TOKEN);
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
      log.info({ held: held.size }, 'draining: no new runs; finishing what is running');
      // No slot fetches again; what is held runs on, up to the drain deadline.
      await Promise.all(jobNames.map((name) => queue.boss.offWork(name, { wait: false })));
      await until(() => held.size === 0, env.QUARRY_RUNNER_DRAIN_SECONDS * 1000);
      if (held.size > 0) {
        // Past the deadline: each run goes back to the queue (or fails as interrupted when rows
        // went out) before its query is cancelled, so its own end finds it no longer its own.
        for (const [runId, entry] of held) {
          const outcome = await handBack(deps, entry.job).catch(() => null);
          entry.handedBack = true;
          entry.stop.abort();
          log.info({ runId, outcome }, 'run handed back at shutdown');
        }
        await until(() => held.size === 0, 5_000);
      }
      await queue.stop({ graceful: true, timeoutMs: 5_000 });
      await cancellations.close();
      await kernels.close();
      await sessions.close();
      connectors.close();
      await new Promise<void>((resolve) => health.close(() => resolve()));
      await close();
      state = 'stopped';
      log.info({}, 'stopped');
    },
  };
}
