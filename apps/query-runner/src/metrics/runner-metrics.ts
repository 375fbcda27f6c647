import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jobCatalog, jobNames, type Queue } from '@quarry/queue';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { KernelPool } from '../kernels/kernel-pool';

/**
 * The query runner's Prometheus metrics, served at `/metrics` on its health port (internal, like
 * /healthz and /readyz: never publish it), and only with `QUARRY_METRICS_TOKEN`, as the API's. Labels are the queue and a state only; nothing of a run,
 * a user, a workspace or SQL reaches a label.
 *
 * Process-wide: the process metrics, the result-cache counters (the cache calls
 * `recordCacheLookup`), the runs attached to a shared query (`recordSharedQueryAttach`) and the
 * kernel pools the worker registers. Per scrape: queue depth, read from pg-boss's own counts on the
 * queue the worker passes in.
 */
const registry = new Registry();
collectDefaultMetrics({ register: registry });

const cacheHits = new Counter({
  name: 'quarry_cache_hits_total',
  help: 'Runs served from the encrypted result cache (after the gate passed for the reader)',
  registers: [registry],
});
const cacheMisses = new Counter({
  name: 'quarry_cache_misses_total',
  help: 'Cache lookups that found nothing fresh, so the warehouse was queried',
  registers: [registry],
});

/** Counts one result-cache lookup. Only where the connection's cache policy allows a lookup at all. */
export function recordCacheLookup(outcome: 'hit' | 'miss'): void {
  (outcome === 'hit' ? cacheHits : cacheMisses).inc();
}

const sharedQueryAttaches = new Counter({
  name: 'quarry_runs_attached_to_shared_query_total',
  help: 'Runs that attached to an identical warehouse query already in flight instead of opening their own',
  registers: [registry],
});

/** Counts one run that attached to a shared warehouse query (shared-queries/). */
export function recordSharedQueryAttach(): void {
  sharedQueryAttaches.inc();
}

type PoolSource = Pick<KernelPool, 'stats' | 'memory'>;
const pools = new Set<PoolSource>();

new Gauge({
  name: 'quarry_kernel_pool_kernels',
  help: 'Kernel processes of the runner’s pools, by state',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    const totals = { idle: 0, busy: 0, starting: 0 };
    for (const pool of pools) {
      const s = pool.stats();
      totals.idle += s.idle;
      totals.busy += s.busy;
      totals.starting += s.starting;
    }
    for (const [state, value] of Object.entries(totals)) this.set({ state }, value);
  },
});
new Gauge({
  name: 'quarry_kernel_pool_size',
  help: 'Kernel processes alive in the runner’s pools',
  registers: [registry],
  collect() {
    let size = 0;
    for (const pool of pools) size += pool.stats().size;
    this.set(size);
  },
});
new Gauge({
  name: 'quarry_kernel_pool_waiting_runs',
  help: 'Runs waiting for a free kernel',
  registers: [registry],
  collect() {
    let queued = 0;
    for (const pool of pools) queued += pool.stats().queued;
    this.set(queued);
  },
});
new Gauge({
  name: 'quarry_kernel_memory_bytes',
  help: 'Resident memory of every kernel process together (Linux: read from /proc)',
  registers: [registry],
  async collect() {
    const each = await Promise.all([...pools].map((pool) => pool.memory().catch(() => ({ totalBytes: 0 }))));
    this.set(each.reduce((sum, m) => sum + m.totalBytes, 0));
  },
});

/**
 * Puts a kernel pool's size, states and memory on /metrics; the worker calls it when it creates a
 * pool. Returns the function that takes the pool off again (when the pool closes).
 */
export function registerKernelPoolMetrics(pool: PoolSource): () => void {
  pools.add(pool);
  return () => pools.delete(pool);
}

const queueJobs = new Gauge({
  name: 'quarry_queue_jobs',
  help: 'Jobs in a pg-boss queue by state (queued includes deferred), all workspaces together',
  labelNames: ['queue', 'state'] as const,
  registers: [],
});
const deadLetters = new Gauge({
  name: 'quarry_queue_dead_letters',
  help: 'Jobs that failed after every retry, waiting in the queue’s dead-letter queue',
  labelNames: ['queue'] as const,
  registers: [],
});
const queueUp = new Gauge({
  name: 'quarry_metrics_source_up',
  help: 'Whether the last scrape could read its source (1) or not (0)',
  labelNames: ['source'] as const,
  registers: [],
});
const queueRegistry = new Registry();
for (const metric of [queueJobs, deadLetters, queueUp]) queueRegistry.registerMetric(metric);

/** Queue depth from pg-boss (a forced read: at most a minute old, as pg-boss recounts). */
async function readQueue(queue: Pick<Queue, 'boss'>): Promise<void> {
  const count = async (name: string) => (await queue.boss.getQueueStats(name, { force: true }))[0];
  try {
    for (const name of jobNames) {
      const [main, dead] = await Promise.all([count(name), count(jobCatalog[name].queue.deadLetter)]);
      queueJobs.set({ queue: name, state: 'queued' }, main?.queuedCount ?? 0);
      queueJobs.set({ queue: name, state: 'active' }, main?.activeCount ?? 0);
      queueJobs.set({ queue: name, state: 'deferred' }, main?.deferredCount ?? 0);
      deadLetters.set({ queue: name }, dead?.queuedCount ?? 0);
    }
    queueUp.set({ source: 'queue' }, 1);
  } catch {
    queueUp.set({ source: 'queue' }, 0);
  }
}

/** The runner's metrics in Prometheus's text format. */
export async function renderRunnerMetrics(
  queue: Pick<Queue, 'boss'>,
): Promise<{ body: string; contentType: string }> {
  await readQueue(queue);
  const merged = Registry.merge([registry, queueRegistry]);
  return { body: await merged.metrics(), contentType: registry.contentType };
}

// The API's compare (apps/api/src/metrics/metrics-route.ts), kept in step by hand: hashing both
// sides first makes the lengths equal, so timingSafeEqual neither throws nor leaks the length.
const digest = (text: string) => createHash('sha256').update(text).digest();
const tokenMatches = (presented: string, token: string) => timingSafeEqual(digest(presented), digest(token));

const refuse = (res: ServerResponse, status: 401 | 404, message: string, hint: string, extra = {}) => {
  const code = status === 404 ? 'request.not_found' : 'request.unauthorized';
  res.writeHead(status, { 'content-type': 'application/json', ...extra });
  res.end(JSON.stringify({ error: { code, message, hint } }));
};

/**
 * `GET /metrics` on the runner's health server. Off (404) unless `QUARRY_METRICS_TOKEN` is set, and
 * then only with `Authorization: Bearer <token>` (compared in constant time; never from the query
 * string). The health port listens on every interface in the image, so the address proves nothing.
 */
export async function serveRunnerMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  queue: Pick<Queue, 'boss'>,
  token: string | undefined,
): Promise<void> {
  if (!token) {
    return refuse(
      res,
      404,
      'Metrics are off on this runner',
      'Set QUARRY_METRICS_TOKEN and scrape /metrics with Authorization: Bearer <token>',
    );
  }
  const presented = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  if (!tokenMatches(presented, token)) {
    return refuse(
      res,
      401,
      'Metrics need the metrics token',
      'Send Authorization: Bearer <QUARRY_METRICS_TOKEN>',
      {
        'www-authenticate': 'Bearer realm="quarry-metrics"',
      },
    );
  }
  try {
    const { body, contentType } = await renderRunnerMetrics(queue);
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
  } catch {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'server.internal', message: 'Metrics could not be read' } }));
  }
}
