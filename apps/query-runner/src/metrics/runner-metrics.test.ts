import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { observingLogStream } from '@quarry/leak-scan';
import { startQueue } from '@quarry/queue';
import { generateMasterKey } from '@quarry/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../env';
import { startTestPool } from '../kernels/testing/pool-harness';
import { type RunningWorker, startWorker } from '../worker';
import { recordCacheLookup, registerKernelPoolMetrics } from './runner-metrics';

let database: TestDatabase;
let worker: RunningWorker;

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
  worker = await startWorker(
    loadEnv({
      DATABASE_URL: database.url,
      QUARRY_MASTER_KEY: generateMasterKey(),
      RUNNER_HEALTH_PORT: '0',
      LOG_LEVEL: 'info',
      NODE_OPTIONS: '--no-node-snapshot',
    }),
    { logDestination: observingLogStream('runner') },
  );
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
  const response = await fetch(`${worker.healthUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
};

describe('/metrics on the query runner (issue 11 item 9)', () => {
  it('serves queue depth from pg-boss, the cache counters and process metrics', async () => {
    const before = await scrape();
    expect(sample(before, 'quarry_queue_jobs{queue="schema.refresh",state="queued"}')).toBe(3);
    expect(sample(before, 'quarry_queue_jobs{queue="schema.refresh",state="deferred"}')).toBe(3);
    expect(sample(before, 'quarry_queue_dead_letters{queue="run.execute"}')).toBe(1);
    expect(sample(before, 'quarry_metrics_source_up{source="queue"}')).toBe(1);
    expect(sample(before, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    const hits = sample(before, 'quarry_cache_hits_total') ?? Number.NaN;
    const misses = sample(before, 'quarry_cache_misses_total') ?? Number.NaN;
    recordCacheLookup('hit');
    recordCacheLookup('hit');
    recordCacheLookup('miss');
    const after = await scrape();
    expect(sample(after, 'quarry_cache_hits_total')).toBe(hits + 2);
    expect(sample(after, 'quarry_cache_misses_total')).toBe(misses + 1);
    // Nothing of a job's payload reaches a label.
    expect(after).not.toContain('wsp_metrics');
    expect(after).not.toContain('con_');
  });

  it('reports a registered kernel pool’s kernels and memory until it is taken off', async () => {
    const { pool } = startTestPool({ size: 1 });
    const off = registerKernelPoolMetrics(pool);
    try {
      // A run holds a kernel: one busy process with memory of its own.
      const session = await pool.acquire({ runId: 'run_metrics', permission: 'can_view' });
      if (!session.ok) throw new Error(session.error.message);
      try {
        const text = await scrape();
        expect(sample(text, 'quarry_kernel_pool_size')).toBe(1);
        expect(sample(text, 'quarry_kernel_pool_kernels{state="busy"}')).toBe(1);
        expect(sample(text, 'quarry_kernel_pool_kernels{state="idle"}')).toBe(0);
        expect(sample(text, 'quarry_kernel_pool_waiting_runs')).toBe(0);
        expect(sample(text, 'quarry_kernel_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
      } finally {
        session.value.release();
      }
    } finally {
      off();
      await pool.close();
    }
    const text = await scrape();
    expect(sample(text, 'quarry_kernel_pool_size')).toBe(0);
    expect(sample(text, 'quarry_kernel_memory_bytes')).toBe(0);
  });
});
