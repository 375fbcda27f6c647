import { randomBytes } from 'node:crypto';
import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { newId } from '@quarry/db';
import { runs } from '@quarry/db/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../env';
import { startTestApi, type TestApi } from '../testing/start-test-api';
import { createApiMetrics } from './api-metrics';

let h: ApiHarness;
let withToken: TestApi;
let withoutToken: TestApi;
const token = randomBytes(32).toString('hex');

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  // Two jobs wait in run.execute before anything counts the queue.
  for (let i = 0; i < 2; i++) {
    await h.deps.queue.send('run.execute', { runId: newId('run'), workspaceId: h.a.workspaceId });
  }
  withToken = await startTestApi(h, { QUARRY_METRICS_TOKEN: token });
  withoutToken = await startTestApi(h);
});
afterAll(async () => {
  await withToken?.close();
  await withoutToken?.close();
  await h?.close();
});

/** One sample's value from the exposition text, by its exact name and labels. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

const secondsAgo = (s: number) => new Date(Date.now() - s * 1000);

async function finishedRun(values: Partial<typeof runs.$inferInsert>): Promise<string> {
  const id = newId('run');
  await h.database.db.insert(runs).values({
    id,
    workspaceId: h.a.workspaceId,
    projectId: h.a.projectId,
    cellId: h.a.cellId,
    ownerId: h.a.users.editor.id,
    connectionId: h.a.connectionId,
    source: 'select secret_column from private_table',
    rowLimit: 10,
    ...values,
  });
  return id;
}

describe('/metrics on the API (issue 11 item 9)', () => {
  it('is off while QUARRY_METRICS_TOKEN is unset, loopback included', async () => {
    const response = await fetch(`${withoutToken.url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: 'request.not_found', message: 'Metrics are off on this server' },
    });
    const bearer = await fetch(`${withoutToken.url}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(404);
  });

  it('refuses a scrape without the token, with a wrong one, or with it in the query string', async () => {
    for (const init of [
      {},
      { headers: { authorization: `Bearer ${randomBytes(32).toString('hex')}` } },
      { headers: { authorization: `Bearer ${token.slice(0, -1)}` } },
      { headers: { authorization: token } },
    ]) {
      const response = await fetch(`${withToken.url}/metrics`, init);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="quarry-metrics"');
      expect(await response.json()).toMatchObject({ error: { code: 'request.unauthorized' } });
    }
    const query = await fetch(`${withToken.url}/metrics?token=${token}`);
    expect(query.status).toBe(401);
  });

  it('serves queue depth and process metrics with the token', async () => {
    const response = await fetch(`${withToken.url}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'quarry_queue_jobs{queue="run.execute",state="queued"}')).toBe(2);
    expect(sample(text, 'quarry_queue_jobs{queue="run.execute",state="active"}')).toBe(0);
    expect(sample(text, 'quarry_queue_dead_letters{queue="run.execute"}')).toBe(0);
    expect(sample(text, 'quarry_metrics_source_up{source="database"}')).toBe(1);
    expect(sample(text, 'quarry_metrics_source_up{source="queue"}')).toBe(1);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('refuses a metrics token shorter than 32 characters at start', () => {
    expect(() =>
      loadEnv({
        DATABASE_URL: h.database.url,
        QUARRY_MASTER_KEY: h.masterKey,
        QUARRY_METRICS_TOKEN: 'short',
      }),
    ).toThrow(/QUARRY_METRICS_TOKEN: must be at least 32 characters/);
  });
});

describe('run figures from the runs table', () => {
  it('counts each run finished since the last scrape once, by status, with no id, user or SQL in a label', async () => {
    const queue = h.deps.queueAdmin;
    if (!queue) throw new Error('the harness wires queueAdmin');
    const metrics = createApiMetrics({ sql: h.database.sql, queue, settleMs: 0 });
    await metrics.scrape(); // counts from here on
    const queued = await finishedRun({ status: 'queued', createdAt: secondsAgo(30) });
    await finishedRun({
      status: 'succeeded',
      createdAt: secondsAgo(3),
      startedAt: secondsAgo(2.5),
      finishedAt: new Date(),
      rowCount: 42,
    });
    await finishedRun({
      status: 'failed',
      createdAt: secondsAgo(2),
      startedAt: secondsAgo(1.9),
      finishedAt: new Date(),
      error: { code: 'connector.unreachable', message: 'The warehouse did not answer', kind: 'system' },
    });
    await finishedRun({
      status: 'failed',
      createdAt: secondsAgo(2),
      startedAt: secondsAgo(1.9),
      finishedAt: new Date(),
      error: { code: 'sql.syntax', message: 'syntax error', kind: 'user' },
    });
    // Finished before counting began: never counted.
    await finishedRun({
      status: 'succeeded',
      startedAt: secondsAgo(700),
      finishedAt: secondsAgo(600),
      rowCount: 9,
    });

    const text = await metrics.scrape();
    expect(sample(text, 'quarry_run_duration_seconds_count{status="succeeded"}')).toBe(1);
    expect(sample(text, 'quarry_run_duration_seconds_count{status="failed"}')).toBe(2);
    expect(sample(text, 'quarry_run_duration_seconds_sum{status="succeeded"}')).toBeCloseTo(2.5, 0);
    expect(sample(text, 'quarry_run_duration_seconds_bucket{le="1",status="succeeded"}')).toBe(0);
    expect(sample(text, 'quarry_run_duration_seconds_bucket{le="5",status="succeeded"}')).toBe(1);
    expect(sample(text, 'quarry_run_pickup_seconds_count')).toBe(3);
    expect(sample(text, 'quarry_run_pickup_seconds_sum')).toBeCloseTo(0.7, 1);
    expect(sample(text, 'quarry_run_rows_total{status="succeeded"}')).toBe(42);
    expect(sample(text, 'quarry_run_system_failures_total')).toBe(1);
    expect(sample(text, 'quarry_runs_active{status="queued"}')).toBe(1);
    expect(sample(text, 'quarry_run_oldest_queued_seconds')).toBeGreaterThanOrEqual(29);

    // A second scrape reads nothing new: the counts stay.
    const again = await metrics.scrape();
    expect(sample(again, 'quarry_run_duration_seconds_count{status="succeeded"}')).toBe(1);
    expect(sample(again, 'quarry_run_rows_total{status="succeeded"}')).toBe(42);

    // No prefixed id (`run_` + 16 characters), no email, no SQL, no error text.
    expect(again).not.toMatch(/\b(wsp|usr|run|con|prj|cel)_[a-z2-7]{16}\b/);
    for (const forbidden of ['secret_column', 'warehouse did not', 'syntax error', '@']) {
      expect(again).not.toContain(forbidden);
    }
    expect(again).not.toContain(queued);
  });
});
