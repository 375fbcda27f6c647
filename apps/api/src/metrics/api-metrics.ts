import { type QueueAdmin, readQueueDepth } from '@quarry/api';
import type { Sql } from '@quarry/db';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type ApiMetrics = {
  /** The exposition format's content type, for the response. */
  contentType: string;
  /** Reads the queue and the runs finished since the last scrape, then renders every metric. */
  scrape: () => Promise<string>;
};

export type ApiMetricsOptions = {
  sql: Sql;
  queue: QueueAdmin;
  /**
   * How far behind now the runs scan stays, so a run whose finish commits late (a slow transaction,
   * a runner's clock a little behind) is still counted once. Tests set 0.
   */
  settleMs?: number;
  /** The most finished runs one scrape reads; the rest wait for the next scrape. */
  maxRunsPerScrape?: number;
  /** Runs that finished longer ago than this, unread because scrapes stopped, are never counted. */
  windowMs?: number;
};

/** Seconds, from a fast pick-up (a notify wakes a runner in ~5 ms) to a backed-up queue. */
const PICKUP_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds, up to the statement timeout (5 minutes) and past it. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Process metrics (CPU, memory, event loop, GC) once per process, whatever the number of apps in it. */
let processRegistry: Registry | undefined;
const processMetrics = (): Registry => {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
};

type FinishedRun = {
  id: string;
  status: string;
  mark: string;
  pickup_s: number | null;
  duration_s: number | null;
  row_count: number | null;
  kind: string | null;
};

/**
 * The API's Prometheus metrics. Queue depth comes from pg-boss's own counts; run figures from
 * Quarry's `runs` table, read incrementally: each scrape reads the runs that finished since the
 * previous one (by the `runs_finished_idx` index, at most `maxRunsPerScrape`), so the run loop
 * is untouched and a scrape costs the same whatever the history. Counters start at zero when the
 * process starts, as Prometheus expects. Labels are the queue and the run status only: no user,
 * workspace, SQL or error text reaches a label (privacy and cardinality).
 *
 * Every API instance reads the same table, so every instance reports every run: aggregate run
 * figures across instances with `max without (instance)`, never `sum`.
 */
export function createApiMetrics(options: ApiMetricsOptions): ApiMetrics {
  const { sql, queue } = options;
  const settleMs = options.settleMs ?? 5_000;
  const maxRuns = options.maxRunsPerScrape ?? 5_000;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const registry = new Registry();

  const queueJobs = new Gauge({
    name: 'quarry_queue_jobs',
    help: 'Jobs in a pg-boss queue by state (queued includes deferred), all workspaces together',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
  });
  const deadLetters = new Gauge({
    name: 'quarry_queue_dead_letters',
    help: 'Jobs that failed after every retry, waiting in the queue’s dead-letter queue',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const runsActive = new Gauge({
    name: 'quarry_runs_active',
    help: 'Runs queued or running now, from the runs table',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const oldestQueued = new Gauge({
    name: 'quarry_run_oldest_queued_seconds',
    help: 'Age of the oldest run still waiting for a runner (0 when none waits)',
    registers: [registry],
  });
  const pickup = new Histogram({
    name: 'quarry_run_pickup_seconds',
    help: 'From a run being queued to a runner taking it, observed when the run finishes',
    buckets: PICKUP_BUCKETS,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'quarry_run_duration_seconds',
    help: 'From a runner taking a run to the run finishing, by final status',
    labelNames: ['status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const rows = new Counter({
    name: 'quarry_run_rows_total',
    help: 'Rows delivered by finished runs, by final status',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const systemFailures = new Counter({
    name: 'quarry_run_system_failures_total',
    help: 'Runs that failed for a system reason (our fault or a connector down, not the user’s SQL)',
    registers: [registry],
  });
  const sourceUp = new Gauge({
    name: 'quarry_metrics_source_up',
    help: 'Whether the last scrape could read its source (1) or not (0)',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  for (const status of ['queued', 'running'] as const) runsActive.set({ status }, 0);

  // The high-water mark: the finish time (PostgreSQL's own text, microseconds kept) and id of the
  // last run counted. Unset until the first scrape, which counts from then on.
  let mark: { at: string; id: string } | null = null;

  // pg-boss recounts at most once a minute (a forced read reuses a count under a minute old).
  const readQueue = async () => {
    const depth = await readQueueDepth(queue, { fresh: true });
    for (const q of depth) {
      queueJobs.set({ queue: q.queue, state: 'queued' }, q.queued);
      queueJobs.set({ queue: q.queue, state: 'active' }, q.active);
      queueJobs.set({ queue: q.queue, state: 'deferred' }, q.deferred);
      deadLetters.set({ queue: q.queue }, q.deadLetters);
    }
  };

  const readRuns = async () => {
    const [active] = await sql<{ queued: number; running: number; oldest_s: number | null }[]>`
      select count(*) filter (where status = 'queued')::int as queued,
             count(*) filter (where status = 'running')::int as running,
             extract(epoch from now() - min(created_at) filter (where status = 'queued'))::float8 as oldest_s
      from runs where status in ('queued', 'running')`;
    runsActive.set({ status: 'queued' }, active?.queued ?? 0);
    runsActive.set({ status: 'running' }, active?.running ?? 0);
    oldestQueued.set(Math.max(0, active?.oldest_s ?? 0));

    const until = sql`now() - make_interval(secs => ${settleMs / 1000})`;
    if (!mark) {
      const [start] = await sql<{ at: string }[]>`select (${until})::text as at`;
      mark = { at: start?.at ?? new Date().toISOString(), id: '' };
      return;
    }
    const finished = await sql<FinishedRun[]>`
      select id, status, finished_at::text as mark, row_count, error->>'kind' as kind,
             extract(epoch from started_at - created_at)::float8 as pickup_s,
             extract(epoch from finished_at - started_at)::float8 as duration_s
      from runs
      where finished_at is not null
        and (finished_at, id) > (${mark.at}::timestamptz, ${mark.id})
        and finished_at > now() - make_interval(secs => ${windowMs / 1000})
        and finished_at <= ${until}
      order by finished_at, id
      limit ${maxRuns}`;
    for (const run of finished) {
      if (run.pickup_s !== null) pickup.observe(Math.max(0, run.pickup_s));
      if (run.duration_s !== null) duration.observe({ status: run.status }, Math.max(0, run.duration_s));
      rows.inc({ status: run.status }, run.row_count ?? 0);
      if (run.status === 'failed' && run.kind === 'system') systemFailures.inc();
    }
    const last = finished.at(-1);
    if (last) mark = { at: last.mark, id: last.id };
  };

  const refresh = async () => {
    const [queueRead, runsRead] = await Promise.allSettled([readQueue(), readRuns()]);
    sourceUp.set({ source: 'queue' }, queueRead.status === 'fulfilled' ? 1 : 0);
    sourceUp.set({ source: 'database' }, runsRead.status === 'fulfilled' ? 1 : 0);
  };

  // One scrape at a time: two at once would read the same runs twice.
  let last: Promise<unknown> = Promise.resolve();
  return {
    contentType: registry.contentType,
    scrape: () => {
      const next = last.then(async () => {
        await refresh();
        return Registry.merge([processMetrics(), registry]).metrics();
      });
      last = next.catch(() => undefined);
      return next;
    },
  };
}
