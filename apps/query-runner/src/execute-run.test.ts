import { randomUUID } from 'node:crypto';
import { createPostgresSessionPool } from '@quarry/connectors';
import { parseRowBatch } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { auditEvents, connections, runChunks, runs } from '@quarry/db/schema';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { chunkContext, openChunkText, parseColumnsChunk } from '@quarry/results';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRun, type RunnerDeps } from './execute-run';

let database: TestDatabase;
let warehouse: TestWarehouse;
let fixture: WorkspaceFixture;
let other: WorkspaceFixture;
let vault: Vault;
let deps: RunnerDeps;

beforeAll(async () => {
  database = await createTestDatabase();
  warehouse = await createTestWarehouse({ orders: 3000 });
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
  fixture = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader });
  other = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader, name: 'Other' });
  deps = {
    db: database.db,
    sql: database.sql,
    vault,
    log: pino({ level: 'silent' }),
    now: () => new Date(),
    allowPrivateHosts: LOOPBACK_ALLOW_LIST,
  };
});
afterAll(async () => {
  await warehouse?.drop();
  await database?.drop();
});

async function queueRun(
  source: string,
  owner: keyof WorkspaceFixture['users'] = 'editor',
  rowLimit = 10_000,
) {
  const id = newId('run');
  await database.db.insert(runs).values({
    id,
    workspaceId: fixture.workspaceId,
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    ownerId: fixture.users[owner].id,
    connectionId: fixture.connectionId,
    source,
    rowLimit,
  });
  return id;
}

const job = (runId: string) => ({ runId, workspaceId: fixture.workspaceId });
const signal = () => new AbortController().signal;
const runRow = async (id: string) => (await database.db.select().from(runs).where(eq(runs.id, id)))[0];
const chunksOf = (id: string) => database.db.select().from(runChunks).where(eq(runChunks.runId, id));

describe('executing a run', () => {
  it('writes the columns and rows as vault-sealed chunks and ends succeeded', async () => {
    const id = await queueRun('select id, status from orders order by id limit 2500');
    await executeRun(deps, job(id), signal());
    expect(await runRow(id)).toMatchObject({ status: 'succeeded', rowCount: 2500, truncated: false });
    const chunks = await chunksOf(id);
    expect(chunks.map((c) => c.rowCount)).toEqual([0, 1000, 1500]);
    for (const chunk of chunks) {
      // Ciphertext at rest: the plaintext value never appears in the stored bytes.
      expect(chunk.payload.includes(Buffer.from('delivered'))).toBe(false);
    }
    const first = chunks[0];
    if (!first) throw new Error('no chunk');
    expect(
      parseColumnsChunk(openChunkText(vault, chunkContext(fixture.workspaceId, id, 0), first.payload)).map(
        (c) => c.name,
      ),
    ).toEqual(['id', 'status']);
    // A chunk copied to another run does not decrypt.
    expect(() =>
      openChunkText(vault, chunkContext(fixture.workspaceId, 'run_other', 0), first.payload),
    ).toThrow(/vault\.tampered/);
  });

  it('executes a job delivered twice only once (at-least-once delivery, JOB-1)', async () => {
    const id = await queueRun('select 1 as one');
    await executeRun(deps, job(id), signal());
    const chunksAfterFirst = (await chunksOf(id)).length;
    await executeRun(deps, job(id), signal());
    expect((await chunksOf(id)).length).toBe(chunksAfterFirst);
    const finishes = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'run.finish'), eq(auditEvents.targetId, id)));
    expect(finishes).toHaveLength(1);
  });

  it('fails a run whose earlier attempt died after writing rows instead of sending its rows twice', async () => {
    const id = await queueRun('select 1 as one');
    // The earlier attempt wrote its first rows chunk (the marker is the run's row count).
    await database.db
      .update(runs)
      .set({ status: 'running', startedAt: new Date(), rowCount: 1 })
      .where(eq(runs.id, id));
    await executeRun(deps, job(id), signal());
    expect(await runRow(id)).toMatchObject({
      status: 'failed',
      error: { code: 'run.interrupted', kind: 'system' },
    });
  });

  it('runs again a run whose earlier attempt died before writing any row', async () => {
    const id = await queueRun('select 1 as one');
    await database.db.update(runs).set({ status: 'running', startedAt: new Date() }).where(eq(runs.id, id));
    await executeRun(deps, job(id), signal());
    expect(await runRow(id)).toMatchObject({ status: 'succeeded', rowCount: 1, sessionKey: null });
    expect((await chunksOf(id)).map((c) => c.rowCount)).toEqual([0, 1]);
  });

  it('ends a bad query as a user error with the database message, and writes no rows', async () => {
    const id = await queueRun('select * from no_such_table');
    await executeRun(deps, job(id), signal());
    expect(await runRow(id)).toMatchObject({
      status: 'failed',
      error: { code: 'sql.invalid_query', kind: 'user', message: 'relation "no_such_table" does not exist' },
    });
    expect(await chunksOf(id)).toHaveLength(0);
  });

  it('refuses a run whose owner lost Can view results: no rows, no column names, no counts', async () => {
    await database.db
      .update(connections)
      .set({ canViewResults: ['grp_finance'], canQuery: ['grp_finance'] })
      .where(eq(connections.id, fixture.connectionId));
    try {
      const id = await queueRun('select id, total from orders');
      await executeRun(deps, job(id), signal());
      const row = await runRow(id);
      expect(row?.status).toBe('failed');
      expect(row?.rowCount).toBeNull();
      expect(row?.error).toMatchObject({ code: expect.stringMatching(/^access\./) });
      expect(await chunksOf(id)).toHaveLength(0);
      // Admins always have Can query and Can view results.
      const adminRun = await queueRun('select 1 as one', 'admin');
      await executeRun(deps, job(adminRun), signal());
      expect((await runRow(adminRun))?.status).toBe('succeeded');
    } finally {
      await database.db
        .update(connections)
        .set({ canViewResults: null, canQuery: null })
        .where(eq(connections.id, fixture.connectionId));
    }
  });

  it('refuses a run whose owner is no longer a member of the workspace', async () => {
    const id = await queueRun('select 1 as one', 'explorer');
    await database.sql`delete from workspace_members where user_id = ${fixture.users.explorer.id}`;
    await executeRun(deps, job(id), signal());
    expect(await runRow(id)).toMatchObject({ status: 'failed', error: { code: 'access.not_a_member' } });
  });

  it('cancels the query on the database server when the job is aborted', async () => {
    // A marker of this test's own: the runner wraps the SQL in a COPY, and other files run their
    // own `pg_sleep(30)` on the same server.
    const text = `pg_sleep(30) as aborted_${randomUUID().slice(0, 8)}`;
    const id = await queueRun(`select ${text}`);
    const controller = new AbortController();
    const running = executeRun(deps, job(id), controller.signal);
    const admin = (await import('postgres')).default(warehouse.adminUrl, { max: 1 });
    try {
      await waitForActive(admin, text);
      controller.abort();
      await running;
      expect(await runRow(id)).toMatchObject({ status: 'cancelled', error: { code: 'run.cancelled' } });
      const left =
        await admin`select count(*)::int as n from pg_stat_activity where query like ${`%${text}%`} and state = 'active' and pid <> pg_backend_pid()`;
      expect(left[0]?.n).toBe(0);
    } finally {
      await admin.end();
    }
  });
});

/** Waits until `text` runs on the warehouse (as it is, or inside the COPY the runner wraps it in). */
async function waitForActive(admin: import('postgres').Sql, text: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    const active =
      await admin`select count(*)::int as n from pg_stat_activity where query like ${`%${text}%`} and state = 'active' and pid <> pg_backend_pid()`;
    if (active[0]?.n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${text} never became active`);
}

describe('warehouse sessions kept between runs', () => {
  it('runs one owner’s run after another’s on a kept session, with nothing the first set reaching the second', async () => {
    const sessions = createPostgresSessionPool();
    const kept = { ...deps, sessions };
    try {
      const first = await queueRun(
        "select set_config('quarry.left_behind', 'the editor''s', false) as s, pg_backend_pid() as pid",
      );
      await executeRun(kept, job(first), signal());
      expect(await runRow(first)).toMatchObject({ status: 'succeeded', rowCount: 1 });
      // The session comes back after its reset, in the background.
      for (let i = 0; i < 1500 && sessions.stats().idle === 0; i += 1)
        await new Promise((r) => setTimeout(r, 10));
      expect(sessions.stats().idle).toBe(1);

      const second = await queueRun(
        "select coalesce(current_setting('quarry.left_behind', true), '') as s, pg_backend_pid() as pid",
        'manager',
      );
      await executeRun(kept, job(second), signal());
      expect(await runRow(second)).toMatchObject({ status: 'succeeded', rowCount: 1 });
      expect(sessions.stats()).toMatchObject({ opened: 1, reused: 1 });
      const rowOf = async (id: string) => {
        const chunks = await chunksOf(id);
        const rows = chunks[1];
        if (!rows) throw new Error('no rows chunk');
        return parseRowBatch(openChunkText(vault, chunkContext(fixture.workspaceId, id, 1), rows.payload))[0];
      };
      const [one, two] = [await rowOf(first), await rowOf(second)];
      expect(one?.[0]).toBe("the editor's");
      expect(two?.[0]).toBe('');
      // One backend served both: the second run skipped connecting and signing in.
      expect(two?.[1]).toBe(one?.[1]);
    } finally {
      await sessions.close();
    }
  });
});

describe('a forged job (item 6)', () => {
  it("changes nothing in another workspace's run and writes nothing into the job's workspace audit", async () => {
    // A running run of workspace B, and a job that names workspace A with B's run id.
    const id = newId('run');
    await database.db.insert(runs).values({
      id,
      workspaceId: other.workspaceId,
      projectId: other.projectId,
      cellId: other.cellId,
      ownerId: other.users.editor.id,
      connectionId: other.connectionId,
      source: 'select 1',
      rowLimit: 10,
      status: 'running',
      startedAt: new Date(),
    });
    const auditCount = async (workspaceId: string) =>
      (
        await database.sql<
          { n: number }[]
        >`select count(*)::int as n from audit_events where chain = ${workspaceId}`
      )[0]?.n;
    const [auditA, auditB] = [await auditCount(fixture.workspaceId), await auditCount(other.workspaceId)];

    await executeRun(deps, { runId: id, workspaceId: fixture.workspaceId }, signal());

    expect(await runRow(id)).toMatchObject({ status: 'running', error: null, finishedAt: null });
    expect(await auditCount(fixture.workspaceId)).toBe(auditA);
    expect(await auditCount(other.workspaceId)).toBe(auditB);
    expect(await chunksOf(id)).toHaveLength(0);
  });
});

describe('results too large to hold (item 11)', () => {
  const MB = 1024 * 1024;

  /** Runs `body` and returns how far this process's resident memory rose above where it began. */
  async function peakRssGrowth(body: () => Promise<void>): Promise<number> {
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    try {
      await body();
    } finally {
      clearInterval(sampler);
    }
    return peak - before;
  }

  it("fails `select repeat('x', 300000000)` with the value limit while another user's run succeeds", async () => {
    const attack = await queueRun("select repeat('x', 300000000) as big");
    const bystander = await queueRun('select count(*)::int as n from orders', 'manager');
    const growth = await peakRssGrowth(async () => {
      await Promise.all([
        // Nobody reads here: a window wide enough that the result limit, not the backpressure
        // window (result-window.test.ts), is what stops this run.
        executeRun({ ...deps, resultWindow: { chunks: 10_000 } }, job(attack), signal()),
        executeRun(deps, job(bystander), signal()),
      ]);
    });

    expect(await runRow(attack)).toMatchObject({
      status: 'failed',
      error: {
        code: 'run.value_too_large',
        kind: 'user',
        details: { limit: 'value', limitBytes: 16 * MB, setting: 'QUARRY_RUNNER_MAX_VALUE_BYTES' },
      },
    });
    expect((await runRow(attack))?.error).toMatchObject({
      hint: expect.stringContaining('QUARRY_RUNNER_MAX_VALUE_BYTES'),
    });
    expect(await runRow(bystander)).toMatchObject({ status: 'succeeded', rowCount: 1 });
    console.info(`repeat('x', 300000000): runner RSS grew by ${Math.round(growth / MB)} MB`);
    expect(growth).toBeLessThan(150 * MB);
  });

  it('fails 50,000 rows of 20 kB with the result limit, in chunks of at most a few MB', async () => {
    const attack = await queueRun(
      "select repeat('x', 20000) as wide from generate_series(1, 50000)",
      'editor',
      1_000_000,
    );
    const bystander = await queueRun('select 1 as one', 'manager');
    const growth = await peakRssGrowth(async () => {
      await Promise.all([
        // Nobody reads here: a window wide enough that the result limit, not the backpressure
        // window (result-window.test.ts), is what stops this run.
        executeRun({ ...deps, resultWindow: { chunks: 10_000 } }, job(attack), signal()),
        executeRun(deps, job(bystander), signal()),
      ]);
    });

    expect(await runRow(attack)).toMatchObject({
      status: 'failed',
      error: {
        code: 'run.result_too_large',
        details: { limit: 'result', limitBytes: 256 * MB, setting: 'QUARRY_RUNNER_MAX_RESULT_BYTES' },
      },
    });
    expect(await runRow(bystander)).toMatchObject({ status: 'succeeded' });
    const chunks = await chunksOf(attack);
    expect(Math.max(...chunks.map((c) => c.payload.length))).toBeLessThan(5 * MB);
    console.info(`50,000 × 20 kB: runner RSS grew by ${Math.round(growth / MB)} MB`);
    expect(growth).toBeLessThan(400 * MB);
  });
});

describe('queries stopped on the server (items 12 and 17)', () => {
  it('reports a pg_cancel_backend by an Admin as cancelled, not as a timeout', async () => {
    const text = 'select pg_sleep(20) as cancelled_by_admin';
    const id = await queueRun(text);
    const admin = (await import('postgres')).default(warehouse.adminUrl, { max: 1 });
    try {
      const running = executeRun(deps, job(id), signal());
      await waitForActive(admin, text);
      await admin`select pg_cancel_backend(pid) from pg_stat_activity where query like ${`%${text}%`} and pid <> pg_backend_pid()`;
      await running;
    } finally {
      await admin.end();
    }
    const row = await runRow(id);
    expect(row).toMatchObject({
      status: 'cancelled',
      error: { code: 'run.cancelled', details: { by: 'server' } },
    });
    expect(JSON.stringify(row?.error)).not.toMatch(/longer than|timeout/i);
  });

  it('keeps addresses, ports and driver internals out of the error when the connection is killed mid-run', async () => {
    const text = 'select pg_sleep(20) as terminated_by_admin';
    const id = await queueRun(text);
    const admin = (await import('postgres')).default(warehouse.adminUrl, { max: 1 });
    try {
      const running = executeRun(deps, job(id), signal());
      await waitForActive(admin, text);
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where query like ${`%${text}%`} and pid <> pg_backend_pid()`;
      await running;
    } finally {
      await admin.end();
    }
    const row = await runRow(id);
    expect(row?.status).toMatch(/^(failed|cancelled)$/);
    expect(JSON.stringify(row?.error)).not.toMatch(
      /127\.0\.0\.1|localhost|:\d{2,5}\b|CONNECTION_|cause|\bat /,
    );
  });
});
