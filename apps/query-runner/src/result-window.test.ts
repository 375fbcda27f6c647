import { runChunks, runs } from '@quarry/db/schema';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { deliverChunk, RESULT_WINDOW_CHUNKS, readNextChunk } from '@quarry/results';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRun, type RunnerDeps } from './execute-run';
import { insertRun } from './testing/insert-run';

const ORDERS = 200_000;

let database: TestDatabase;
let warehouse: TestWarehouse;
let admin: postgres.Sql;
let fixture: WorkspaceFixture;
let vault: Vault;
let deps: RunnerDeps;

beforeAll(async () => {
  database = await createTestDatabase();
  warehouse = await createTestWarehouse({ orders: ORDERS });
  admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
  fixture = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader });
  deps = {
    db: database.db,
    sql: database.sql,
    vault,
    log: pino({ level: 'silent' }),
    now: () => new Date(),
    allowPrivateHosts: LOOPBACK_ALLOW_LIST,
  };
}, 120_000);
afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
  await database?.drop();
});

async function queueRun(source: string, rowLimit = 1_000_000) {
  return insertRun(database.db, fixture, { source, rowLimit });
}

const job = (runId: string) => ({ runId, workspaceId: fixture.workspaceId });
const runRow = async (id: string) => (await database.db.select().from(runs).where(eq(runs.id, id)))[0];
const chunkCount = async (id: string) =>
  (await database.sql`select count(*)::int as n from run_chunks where run_id = ${id}`)[0]?.n as number;

/** Reads a run's chunks as the API does, one at a time, slowly, delivering each; the rows read. */
async function slowReader(runId: string, pauseMs: number, done: () => boolean) {
  let seq = 0;
  let rows = 0;
  const texts: string[] = [];
  for (;;) {
    const chunk = await readNextChunk(database.db, vault, {
      workspaceId: fixture.workspaceId,
      runId,
      fromSeq: seq,
      now: new Date(),
    });
    if (!chunk) {
      if (done()) return { rows, texts };
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    const body = chunk.open();
    if (body.kind === 'rows') {
      rows += body.rowCount;
      if (texts.length < 2) texts.push(body.text.slice(0, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    await deliverChunk(database.sql, { resultId: runId, seq: chunk.seq });
    seq = chunk.seq + 1;
  }
}

describe('the backpressure window between the warehouse and the reader', () => {
  it('streams a whole result to a slow reader with never more than the window of chunks waiting, and bounded memory', async () => {
    const id = await queueRun('select * from orders order by id');
    let finished = false;
    let peakChunks = 0;
    let peakHeap = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed - heapBefore);
      void chunkCount(id).then((n) => {
        peakChunks = Math.max(peakChunks, n);
      });
    }, 25);
    try {
      const running = executeRun(deps, job(id), new AbortController().signal).finally(() => {
        finished = true;
      });
      const read = await slowReader(id, 60, () => finished);
      await running;

      expect(await runRow(id)).toMatchObject({ status: 'succeeded', rowCount: ORDERS, truncated: false });
      expect(read.rows).toBe(ORDERS);
      // The server's own COPY text passed through, behind its framing line.
      expect(read.texts[0]).toMatch(/^copy:snsssss\n1\t\d+\t[a-z]+\t/);
    } finally {
      clearInterval(sampler);
    }
    // The columns chunk and at most a window of row chunks.
    expect(peakChunks).toBeGreaterThan(1);
    expect(peakChunks).toBeLessThanOrEqual(RESULT_WINDOW_CHUNKS + 1);
    expect(peakHeap).toBeLessThan(150 * 1024 * 1024);
  });

  it('ends a run nobody reads with run.abandoned, cancels its query on the server and deletes its chunks', async () => {
    const id = await queueRun('select o.*, pg_sleep(0.00001) from orders o');
    await executeRun(
      { ...deps, resultWindow: { chunks: 2, abandonAfterMs: 500 } },
      job(id),
      new AbortController().signal,
    );

    expect(await runRow(id)).toMatchObject({
      status: 'failed',
      error: { code: 'run.abandoned', kind: 'user' },
    });
    expect(await database.db.select().from(runChunks).where(eq(runChunks.runId, id))).toEqual([]);
    const deadline = Date.now() + 5000;
    let active = -1;
    while (Date.now() < deadline) {
      const [row] = await admin<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where state = 'active' and query like '%pg_sleep(0.00001)%' and pid <> pg_backend_pid()`;
      active = row?.n ?? -1;
      if (active === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(active).toBe(0);
  });
});
