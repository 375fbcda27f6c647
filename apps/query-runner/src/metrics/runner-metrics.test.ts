import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { observingLogStream } from '@quarry/leak-scan';
import { startQueue } from '@quarry/queue';
import { generateMasterKey } from '@quarry/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../env';
import { startTestPool } from '../kernels/testing/pool-harness';
import { type RunningWorker, startWorker } from '../worker';
import { recordCacheLookup, recordSharedQueryAttach, registerKernelPoolMetrics } from './runner-metrics';

let database: TestDatabase;
let worker: RunningWorker;
const TOKEN = randomBytes(32).toString('hex');
const workerEnv = (extra: Record<string, string> = {}) =>
  loadEnv({
    DATABASE_URL: database.url,
    QUARRY_MASTER_KEY: generateMasterKey(),
    RUNNER_HEALTH_PORT: '0',
    LOG_LEVEL: 'info',
    NODE_OPTIONS: '--no-node-snapshot',
    ...extra,
  });

beforeAll(async () => {
  database = await createTestDatabase();
  // Three jobs wait in schema.refresh for a connection that does not exist; one sits in run.execute.dead.
  const queue = await startQueue(database.url, { supervise: false });
  try {
    await queue.boss.createQueue('parked');
    for (let i = 0; i < 3; i++) {
      await queue.boss.send(
        'schema.refresh',
        { workspaceId: 'wsp_metrics', connectionId: `con_${'a'.repeat(15)}${i}` },
        // Not before an hour from now: the worker started below must not take them.
        { startAfter: 3600 },
      );
    }
    await queue.boss.send('run.execute.dead', { runId: 'run_dead', workspaceId: 'wsp_metrics' });
  } finally {
    await queue.stop({ graceful: false, timeoutMs: 1000 });
  }
  worker = await startWorker(workerEnv({ QUARRY_METRICS_TOKEN: TOKEN }), {
    logDestination: observingLogStream('runner'),
  });
});
afterAll(async () => {
  await worker?.stop();
  await database?.drop();
});

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

const scrape = async () => {
  const response = await fetch(`${worker.healthUrl}/metrics`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
};

describe('/metrics on the query runner (issue 11 item 9)', () => {
  it('answers only the metrics token, compared whole, and nothing else', async () => {
    const refusals = [
      {},
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${randomBytes(32).toString('hex')}` },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
    ];
    for (const headers of refusals) {
      const response = await fetch(`${worker.healthUrl}/metrics`, { headers });
      const body = await response.text();
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="quarry-metrics"');
      expect(JSON.parse(body).error.code).toBe('request.unauthorized');
      expect(body).not.toContain('quarry_');
    }
    const viaQuery = await fetch(`${worker.healthUrl}/metrics?token=${TOKEN}`);
    expect(viaQuery.status).toBe(404);
  });

  it('is off (404) while QUARRY_METRICS_TOKEN is unset, and refuses a token shorter than 32 characters', async () => {
    expect(() => workerEnv({ QUARRY_METRICS_TOKEN: 'x'.repeat(31) })).toThrow(/QUARRY_METRICS_TOKEN/);
    const off = await startWorker(workerEnv(), { logDestination: observingLogStream('runner-off') });
    try {
      const response = await fetch(`${off.healthUrl}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const body = await response.text();
      expect(response.status).toBe(404);
      expect(JSON.parse(body).error.code).toBe('request.not_found');
      expect(body).not.toContain('quarry_');
    } finally {
      await off.stop();
    }
  });

  it('serves queue depth from pg-boss, the cache counters and process metrics', async () => {
    const before = await scrape();
    expect(sample(before, 'quarry_queue_jobs{queue="schema.refresh",state="queued"}')).toBe(3);
    expect(sample(before, 'quarry_queue_jobs{queue="schema.refresh",state="deferred"}')).toBe(3);
    expect(sample(before, 'quarry_queue_dead_letters{queue="run.execute"}')).toBe(1);
    expect(sample(before, 'quarry_metrics_source_up{source="queue"}')).toBe(1);
    expect(sample(before, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    const hits = sample(before, 'quarry_cache_hits_total') ?? Number.NaN;
    const misses = sample(before, 'quarry_cache_misses_total') ?? Number.NaN;
    const attached = sample(before, 'quarry_runs_attached_to_shared_query_total') ?? Number.NaN;
    recordSharedQueryAttach();
    recordCacheLookup('hit');
    recordCacheLookup('hit');
    recordCacheLookup('miss');
    const after = await scrape();
    expect(sample(after, 'quarry_cache_hits_total')).toBe(hits + 2);
    expect(sample(after, 'quarry_cache_misses_total')).toBe(misses + 1);
    expect(sample(after, 'quarry_runs_attached_to_shared_query_total')).toBe(attached + 1);
    // Nothing of a job's payload reaches a label.
    expect(after).not.toContain('wsp_metrics');
    expect(after).not.toContain('con_');
  });

  it('reports a registered kernel pool’s kernels and memory until it is taken off', async () => {
    // The worker's own pool (created with it) is on /metrics too: the test pool's part is the change.
    const figures = (text: string) => ({
      size: sample(text, 'quarry_kernel_pool_size') ?? Number.NaN,
      busy: sample(text, 'quarry_kernel_pool_kernels{state="busy"}') ?? Number.NaN,
      waiting: sample(text, 'quarry_kernel_pool_waiting_runs') ?? Number.NaN,
      memory: sample(text, 'quarry_kernel_memory_bytes') ?? Number.NaN,
    });
    const base = figures(await scrape());
    expect(base.busy).toBe(0);
    const { pool } = startTestPool({ size: 1 });
    const off = registerKernelPoolMetrics(pool);
    let held: ReturnType<typeof figures>;
    try {
      // A run holds a kernel: one busy process with memory of its own.
      const session = await pool.acquire({ runId: 'run_metrics', permission: 'can_view' });
      if (!session.ok) throw new Error(session.error.message);
      try {
        held = figures(await scrape());
        expect(held.size).toBe(base.size + 1);
        expect(held.busy).toBe(1);
        expect(held.waiting).toBe(0);
      } finally {
        session.value.release();
      }
    } finally {
      off();
      await pool.close();
    }
    const after = figures(await scrape());
    expect(after.size).toBe(base.size);
    expect(after.busy).toBe(0);
    expect(held.memory - after.memory).toBeGreaterThan(10 * 1024 * 1024);
  });
});
