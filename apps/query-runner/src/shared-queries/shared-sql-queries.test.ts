import { newId } from '@quarry/db';
import { connections, resultCacheEntries, runChunks, runs } from '@quarry/db/schema';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  holdAdvisoryGate,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { deliverChunk, readNextChunk } from '@quarry/results';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRun, type RunnerDeps } from '../execute-run';
import { createSharedQueries, type SharedQueries } from './shared-sql-queries';

let database: TestDatabase;
let warehouse: TestWarehouse;
let admin: postgres.Sql;
let fixture: WorkspaceFixture;
let vault: Vault;
let deps: RunnerDeps;
let shared: SharedQueries;

beforeAll(async () => {
  database = await createTestDatabase();
  warehouse = await createTestWarehouse({ orders: 10 });
  admin = postgres(warehouse.adminUrl, { max: 4, onnotice: () => {} });
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
  fixture = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader });
  shared = createSharedQueries();
  deps = {
    db: database.db,
    sql: database.sql,
    vault,
    log: pino({ level: 'silent' }),
    now: () => new Date(),
    allowPrivateHosts: LOOPBACK_ALLOW_LIST,
    sharedQueries: shared,
  };
}, 120_000);
afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
  await database?.drop();
});

type Role = keyof WorkspaceFixture['users'];

async function queueRun(
  source: string,
  input: { owner?: Role; params?: string[]; refresh?: boolean; rowLimit?: number } = {},
) {
  const id = newId('run');
  await database.db.insert(runs).values({
    id,
    workspaceId: fixture.workspaceId,
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    ownerId: fixture.users[input.owner ?? 'editor'].id,
    connectionId: fixture.connectionId,
    source,
    rowLimit: input.rowLimit ?? 10_000,
    refresh: input.refresh ?? false,
    plan: {
      steps: [
        {
          kind: 'sql',
          cellId: fixture.cellId,
          name: 'shared',
          connectionId: fixture.connectionId,
          sql: source,
          params: input.params ?? [],
        },
      ],
      inputs: {},
    },
  });
  return id;
}

const job = (runId: string) => ({ runId, workspaceId: fixture.workspaceId });
const runRow = async (id: string) => (await database.db.select().from(runs).where(eq(runs.id, id)))[0];
const chunksOf = (id: string) => database.db.select().from(runChunks).where(eq(runChunks.runId, id));

/** Every row the run's reader receives from its chunks, each as its cells' text. */
async function rowsOf(runId: string): Promise<{ columns: string[]; rows: string[][] }> {
  const out: { columns: string[]; rows: string[][] } = { columns: [], rows: [] };
  for (let seq = 0; ; seq += 1) {
    const chunk = await readNextChunk(database.db, vault, {
      workspaceId: fixture.workspaceId,
      runId,
      fromSeq: seq,
      now: new Date(),
    });
    if (!chunk) return out;
    const body = chunk.open();
    if (body.kind === 'columns') out.columns = body.columns.map((c) => c.name);
    if (body.kind === 'rows') out.rows.push(...rowsOfText(body.text));
  }
}

/** The rows of a rows chunk's text: COPY text behind its framing line, or JSON rows. */
function rowsOfText(text: string): string[][] {
  if (text.startsWith('copy:')) {
    return text
      .slice(text.indexOf('\n') + 1)
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => line.split('\t'));
  }
  return (JSON.parse(text) as unknown[][]).map((row) =>
    row.map((cell) => (cell === null ? '' : String(cell))),
  );
}

/**
 * Watches the warehouse for sessions running a statement that contains `marker` while `body` runs:
 * each distinct session (backend) that ran it, with its application_name. One warehouse query is
 * one session: the connector may send more than one statement with the text on it (a describe,
 * then the COPY), so statements are not what is counted.
 */
async function watchWarehouse<T>(
  marker: string,
  body: (look: () => Promise<number>) => Promise<T>,
): Promise<{ result: T; executions: { pid: number; app: string }[] }> {
  const seen = new Map<string, { pid: number; app: string }>();
  let watching = true;
  /** Samples once; answers how many sessions run the statement now. */
  const look = async () => {
    const rows = await admin<{ pid: number; app: string; started: Date }[]>`
      select pid, application_name as app, backend_start as started from pg_stat_activity
      where query like ${`%${marker}%`} and state = 'active' and pid <> pg_backend_pid()
        and datname = current_database()`;
    for (const row of rows) seen.set(`${row.pid}:${row.started.getTime()}`, { pid: row.pid, app: row.app });
    return rows.length;
  };
  const sample = async () => {
    while (watching) {
      await look();
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  };
  const sampling = sample();
  try {
    const result = await body(look);
    return { result, executions: [...seen.values()] };
  } finally {
    watching = false;
    await sampling;
  }
}

/** A gate on the warehouse: whether every run joined before the first chunk is the test's doing. */
const holdGate = () => holdAdvisoryGate(warehouse.adminUrl);

/**
 * Opens the gate once `readers` runs read a query in flight and every query in flight waits at the
 * gate on the warehouse, where `look` has seen it: none can end unseen.
 */
async function openGateWhenAllWait(
  gate: { open: () => Promise<void> },
  readers: number,
  look: () => Promise<number>,
): Promise<void> {
  await waitForReaders(readers);
  for (let i = 0; i < 3000 && (await look()) < shared.inFlight(); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await gate.open();
}

/** Waits until `n` runs read a query in flight. */
async function waitForReaders(n: number): Promise<void> {
  for (let i = 0; i < 3000; i += 1) {
    if (shared.readers() >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${n} runs never read a query in flight (${shared.readers()} did)`);
}

/** Waits until a statement containing `marker` is active on the warehouse. */
async function waitForActive(marker: string): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    const [row] = await admin<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where query like ${`%${marker}%`} and state = 'active' and pid <> pg_backend_pid()
        and datname = current_database()`;
    if (row?.n) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${marker} never became active`);
}

const activeCount = async (marker: string): Promise<number> =>
  (
    await admin<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where query like ${`%${marker}%`} and state = 'active' and pid <> pg_backend_pid()
        and datname = current_database()`
  )[0]?.n ?? 0;

describe('identical runs in flight share one warehouse query (issue 11 point 3)', () => {
  it('runs five identical runs of three readers as one warehouse query, and each run gets every row', async () => {
    const gate = await holdGate();
    const sql = `select ${gate.sql} as shared_five, n from generate_series(1, 3) n`;
    const owners: Role[] = ['editor', 'manager', 'admin', 'editor', 'manager'];
    const ids = await Promise.all(owners.map((owner) => queueRun(sql, { owner })));
    const { executions } = await watchWarehouse('shared_five', async (look) => {
      const all = Promise.all(ids.map((id) => executeRun(deps, job(id), new AbortController().signal)));
      await openGateWhenAllWait(gate, 5, look);
      return all;
    });

    expect(executions).toHaveLength(1);
    // The session is named for the run that opened it: one of the five.
    expect(ids.map((id) => `quarry-run:${id}`)).toContain(executions[0]?.app);
    for (const id of ids) {
      expect(await runRow(id)).toMatchObject({ status: 'succeeded', rowCount: 3, truncated: false });
      const got = await rowsOf(id);
      expect(got.columns).toEqual(['shared_five', 'n']);
      expect(got.rows.map((row) => row[1])).toEqual(['1', '2', '3']);
    }
    expect(shared.inFlight()).toBe(0);
  });

  it('does not share between runs whose bound values or SQL differ, and shares among those that match', async () => {
    const gate = await holdGate();
    const sql = `select ${gate.sql} as shared_params, n, $1::text as p from generate_series(1, 2) n`;
    const a1 = await queueRun(sql, { params: ['a'] });
    const a2 = await queueRun(sql, { params: ['a'], owner: 'manager' });
    const b = await queueRun(sql, { params: ['b'] });
    // The same statement in other words is another query (the SQL is keyed as it runs).
    const other = await queueRun(sql.replace('as p', 'as "p"'), { params: ['a'] });
    const all = [a1, a2, b, other];
    const { executions } = await watchWarehouse('shared_params', async (look) => {
      const ran = Promise.all(all.map((id) => executeRun(deps, job(id), new AbortController().signal)));
      await openGateWhenAllWait(gate, 4, look);
      return ran;
    });

    expect(executions).toHaveLength(3);
    for (const [id, p] of [
      [a1, 'a'],
      [a2, 'a'],
      [b, 'b'],
      [other, 'a'],
    ] as const) {
      expect(await runRow(id)).toMatchObject({ status: 'succeeded', rowCount: 2 });
      expect((await rowsOf(id)).rows.map((row) => row.slice(1))).toEqual([
        ['1', p],
        ['2', p],
      ]);
    }
  });

  it('refuses a reader the gate refuses with no rows, columns or counts, and the others still share one query', async () => {
    await database.db
      .update(connections)
      .set({ canViewResults: ['grp_nobody'], canQuery: ['grp_nobody'] })
      .where(eq(connections.id, fixture.connectionId));
    try {
      const gate = await holdGate();
      const sql = `select ${gate.sql} as shared_gate, n from generate_series(1, 3) n`;
      const first = await queueRun(sql, { owner: 'admin' });
      const refused = await queueRun(sql, { owner: 'editor' });
      const second = await queueRun(sql, { owner: 'admin' });
      const { executions } = await watchWarehouse('shared_gate', async (look) => {
        const ran = Promise.all(
          [first, refused, second].map((id) => executeRun(deps, job(id), new AbortController().signal)),
        );
        await openGateWhenAllWait(gate, 2, look);
        return ran;
      });

      expect(executions).toHaveLength(1);
      expect(executions[0]?.app).not.toBe(`quarry-run:${refused}`);
      const row = await runRow(refused);
      expect(row).toMatchObject({ status: 'failed', rowCount: null, sessionKey: null });
      expect(row?.error).toMatchObject({ code: expect.stringMatching(/^access\./), kind: 'user' });
      expect(await chunksOf(refused)).toHaveLength(0);
      for (const id of [first, second]) {
        expect(await runRow(id)).toMatchObject({ status: 'succeeded', rowCount: 3 });
        expect((await rowsOf(id)).rows.map((r) => r[1])).toEqual(['1', '2', '3']);
      }
    } finally {
      await database.db
        .update(connections)
        .set({ canViewResults: null, canQuery: null })
        .where(eq(connections.id, fixture.connectionId));
    }
  });

  it('keeps the query running for the others when the run that opened it is cancelled', async () => {
    const gate = await holdGate();
    const sql = `select ${gate.sql} as shared_cancel_one, n from generate_series(1, 3) n`;
    const opener = await queueRun(sql);
    const [a, b] = [await queueRun(sql, { owner: 'manager' }), await queueRun(sql, { owner: 'admin' })];
    const cancelOpener = new AbortController();
    const { executions } = await watchWarehouse('shared_cancel_one', async () => {
      const opened = executeRun(deps, job(opener), cancelOpener.signal);
      await waitForActive('shared_cancel_one');
      // Both arrive while the query runs and has released nothing: they read it.
      const others = Promise.all([a, b].map((id) => executeRun(deps, job(id), new AbortController().signal)));
      await waitForReaders(3);
      cancelOpener.abort();
      await opened;
      // The opener ended cancelled; its query goes on for the two others.
      expect(await runRow(opener)).toMatchObject({ status: 'cancelled', error: { code: 'run.cancelled' } });
      expect(await activeCount('shared_cancel_one')).toBe(1);
      await gate.open();
      await others;
    });

    expect(executions).toHaveLength(1);
    expect(executions[0]?.app).toBe(`quarry-run:${opener}`);
    for (const id of [a, b]) {
      expect(await runRow(id)).toMatchObject({ status: 'succeeded', rowCount: 3 });
      expect((await rowsOf(id)).rows.map((r) => r[1])).toEqual(['1', '2', '3']);
    }
    expect(shared.inFlight()).toBe(0);
  });

  it('cancels the warehouse query on the server only when every run reading it was cancelled', async () => {
    const sql = 'select pg_sleep(30) as shared_cancel_all';
    const ids = [await queueRun(sql), await queueRun(sql, { owner: 'manager' }), await queueRun(sql)];
    const controllers = ids.map(() => new AbortController());
    const { executions } = await watchWarehouse('shared_cancel_all', async () => {
      const first = executeRun(deps, job(ids[0] as string), (controllers[0] as AbortController).signal);
      await waitForActive('shared_cancel_all');
      const rest = ids
        .slice(1)
        .map((id, i) => executeRun(deps, job(id), (controllers[i + 1] as AbortController).signal));
      await waitForReaders(3);
      (controllers[0] as AbortController).abort();
      (controllers[1] as AbortController).abort();
      await first;
      await rest[0];
      // Two of three cancelled: the third still reads, so the query runs on.
      expect(await activeCount('shared_cancel_all')).toBe(1);
      (controllers[2] as AbortController).abort();
      await rest[1];
    });

    expect(executions).toHaveLength(1);
    // The last run ends once the query was cancelled on the server.
    expect(await activeCount('shared_cancel_all')).toBe(0);
    for (const id of ids) {
      expect(await runRow(id)).toMatchObject({ status: 'cancelled', error: { code: 'run.cancelled' } });
      expect(await chunksOf(id)).toHaveLength(0);
    }
    expect(shared.inFlight()).toBe(0);
  });

  it("pauses the shared read for a slow reader's full window without losing rows for the fast one", async () => {
    const total = 100_000;
    // The gate holds the first chunk back until both runs read the query.
    const gate = await holdGate();
    const sql = `with pause as materialized (select 1 as one from ${gate.sql}) select n as shared_slow, repeat('x', 20) as pad from pause, generate_series(1, ${total}) n`;
    const fast = await queueRun(sql, { rowLimit: 1_000_000 });
    const slow = await queueRun(sql, { owner: 'manager', rowLimit: 1_000_000 });
    const window = 2;
    const windowed = { ...deps, resultWindow: { chunks: window } };
    let finished = false;
    let slowPeak = 0;
    const { executions, result } = await watchWarehouse('shared_slow', async (look) => {
      const running = Promise.all(
        [fast, slow].map((id) => executeRun(windowed, job(id), new AbortController().signal)),
      ).finally(() => {
        finished = true;
      });
      await openGateWhenAllWait(gate, 2, look);
      const [fastRead, slowRead] = await Promise.all([
        readAll(fast, 0, () => finished),
        readAll(
          slow,
          120,
          () => finished,
          (undelivered) => {
            slowPeak = Math.max(slowPeak, undelivered);
          },
        ),
      ]);
      await running;
      return { fastRead, slowRead };
    });

    for (const id of [fast, slow]) {
      expect(await runRow(id)).toMatchObject({ status: 'succeeded', rowCount: total, truncated: false });
    }
    expect(executions).toHaveLength(1);
    const { fastRead, slowRead } = result;
    expect(fastRead.rows).toBe(total);
    expect(slowRead.rows).toBe(total);
    expect(fastRead.sum).toBe((total * (total + 1)) / 2);
    expect(slowRead.sum).toBe(fastRead.sum);
    expect(slowRead.readAt.length).toBeGreaterThan(window + 2);
    // The slow reader never had more than its window of row chunks waiting.
    expect(slowPeak).toBeLessThanOrEqual(window);
    // The fast reader could not run ahead: its last chunk came only once the slow one had taken all
    // but about a window of its chunks (the warehouse read waited for the slow reader's room).
    const slowGate = slowRead.readAt[slowRead.readAt.length - window - 2] as number;
    expect(fastRead.readAt.at(-1) as number).toBeGreaterThanOrEqual(slowGate);
    for (const id of [fast, slow]) {
      expect(await runRow(id)).toMatchObject({ status: 'succeeded', rowCount: total, truncated: false });
    }
  });

  it('ends a run nobody reads as abandoned, alone: the query goes on for the run that is read', async () => {
    const total = 60_000;
    const gate = await holdGate();
    const sql = `with pause as materialized (select 1 as one from ${gate.sql}) select n as shared_abandon from pause, generate_series(1, ${total}) n`;
    const read = await queueRun(sql, { rowLimit: 1_000_000 });
    const unread = await queueRun(sql, { owner: 'manager', rowLimit: 1_000_000 });
    let finished = false;
    const { executions, result } = await watchWarehouse('shared_abandon', async (look) => {
      const running = Promise.all([
        executeRun({ ...deps, resultWindow: { chunks: 2 } }, job(read), new AbortController().signal),
        // Its window fills and nobody empties it: after half a second it is abandoned.
        executeRun(
          { ...deps, resultWindow: { chunks: 2, abandonAfterMs: 500 } },
          job(unread),
          new AbortController().signal,
        ),
      ]).finally(() => {
        finished = true;
      });
      await openGateWhenAllWait(gate, 2, look);
      const got = await readAll(read, 0, () => finished);
      await running;
      return got;
    });

    expect(executions).toHaveLength(1);
    expect(await runRow(unread)).toMatchObject({ status: 'failed', error: { code: 'run.abandoned' } });
    expect(await chunksOf(unread)).toEqual([]);
    expect(await runRow(read)).toMatchObject({ status: 'succeeded', rowCount: total });
    expect(result.rows).toBe(total);
    expect(result.sum).toBe((total * (total + 1)) / 2);
  });

  it('lets a refresh read only a query opened after it was taken, never an older one', async () => {
    const gate = await holdGate();
    const sql = `select ${gate.sql} as shared_refresh, n from generate_series(1, 2) n`;
    const older = await queueRun(sql);
    const refresh = await queueRun(sql, { refresh: true, owner: 'manager' });
    const later = await queueRun(sql, { owner: 'admin' });
    const { executions } = await watchWarehouse('shared_refresh', async (look) => {
      const first = executeRun(deps, job(older), new AbortController().signal);
      await waitForActive('shared_refresh');
      const fresh = executeRun(deps, job(refresh), new AbortController().signal);
      await waitForReaders(2);
      // A run after the refresh may read the refresh's query: its rows are computed after both asked.
      const after = executeRun(deps, job(later), new AbortController().signal);
      await openGateWhenAllWait(gate, 3, look);
      await Promise.all([first, fresh, after]);
    });

    expect(executions.map((e) => e.app).sort()).toEqual(
      [`quarry-run:${older}`, `quarry-run:${refresh}`].sort(),
    );
    for (const id of [older, refresh, later]) {
      expect(await runRow(id)).toMatchObject({ status: 'succeeded', rowCount: 2 });
    }
  });

  it('records one cache entry per shared query, not one per run', async () => {
    await database.db
      .update(connections)
      .set({ cacheTtlSeconds: 600 })
      .where(eq(connections.id, fixture.connectionId));
    try {
      const entries = async () => (await database.db.select().from(resultCacheEntries)).length;
      const before = await entries();
      const gate = await holdGate();
      const sql = `select ${gate.sql} as shared_cached, n from generate_series(1, 3) n`;
      const ids = await Promise.all(
        (['editor', 'manager', 'admin'] as const).map((owner) => queueRun(sql, { owner })),
      );
      const { executions } = await watchWarehouse('shared_cached', async (look) => {
        const ran = Promise.all(ids.map((id) => executeRun(deps, job(id), new AbortController().signal)));
        await openGateWhenAllWait(gate, 3, look);
        return ran;
      });
      expect(executions).toHaveLength(1);
      expect(await entries()).toBe(before + 1);
      // The next run of it is served from that entry.
      const next = await queueRun(sql);
      await executeRun(deps, job(next), new AbortController().signal);
      expect((await runRow(next))?.cacheHitAt).toBeInstanceOf(Date);
      expect((await rowsOf(next)).rows.map((r) => r[1])).toEqual(['1', '2', '3']);
    } finally {
      await database.db
        .update(connections)
        .set({ cacheTtlSeconds: null })
        .where(eq(connections.id, fixture.connectionId));
    }
  });
});

/**
 * Reads a run's chunks as the API does, delivering each after `pauseMs`; the rows read, the sum of
 * their first column, and when each rows chunk was read.
 */
async function readAll(
  runId: string,
  pauseMs: number,
  done: () => boolean,
  onCount?: (undelivered: number) => void,
): Promise<{ rows: number; sum: number; readAt: number[] }> {
  let seq = 0;
  let rows = 0;
  let sum = 0;
  const readAt: number[] = [];
  for (;;) {
    if (onCount) {
      const [row] = await database.sql<{ n: number }[]>`
        select count(*)::int as n from run_chunks where run_id = ${runId} and seq > 0`;
      onCount(row?.n ?? 0);
    }
    const chunk = await readNextChunk(database.db, vault, {
      workspaceId: fixture.workspaceId,
      runId,
      fromSeq: seq,
      now: new Date(),
    });
    if (!chunk) {
      if (done()) return { rows, sum, readAt };
      await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    const body = chunk.open();
    if (body.kind === 'rows') {
      readAt.push(performance.now());
      for (const row of rowsOfText(body.text)) {
        rows += 1;
        sum += Number(row[0]);
      }
    }
    if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    await deliverChunk(database.sql, { resultId: runId, seq: chunk.seq });
    seq = chunk.seq + 1;
  }
}
