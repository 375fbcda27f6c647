import { randomBytes } from 'node:crypto';
import type { Cell, Column } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { loadMemberActor } from '@quarry/db/access-facts';
import {
  connections,
  groupMembers,
  groups,
  resultCacheChunks,
  resultCacheEntries,
  runChunks,
  runs,
} from '@quarry/db/schema';
import {
  createTestDatabase,
  createWorkspaceFixture,
  type TestDatabase,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import {
  type ChunkBody,
  cachedChunkContent,
  createResultWriter,
  invalidateCache,
  readNextChunk,
} from '@quarry/results';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReaderFacts } from './reader-identity';
import {
  type CachedStatement,
  inFlightKeyOf,
  type RunChunkSink,
  recordIntoCache,
  serveFromCache,
} from './result-cache';

let database: TestDatabase;
let vault: Vault;
let fixture: WorkspaceFixture;
let clock = new Date();
const log = pino({ level: 'silent' });
const deps = () => ({ db: database.db, sql: database.sql, vault, log, now: () => clock });
const columns: Column[] = [{ name: 'salary', type: 'integer', dbType: 'int4' }];

beforeAll(async () => {
  database = await createTestDatabase();
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
  // Nothing here connects: the warehouse is only a connection's settings.
  fixture = await createWorkspaceFixture(database.db, {
    vault,
    warehouse: {
      host: '127.0.0.1',
      port: 5432,
      database: 'warehouse',
      username: 'reader',
      password: randomBytes(18).toString('base64url'),
    },
  });
});
afterAll(async () => {
  await database?.drop();
});

type Role = keyof WorkspaceFixture['users'];

/** A copy of the fixture connection with the cache on and the permissions and settings given. */
async function connection(
  over: Partial<typeof connections.$inferInsert> = {},
  settings: Record<string, unknown> = {},
) {
  const [base] = await database.db.select().from(connections).where(eq(connections.id, fixture.connectionId));
  if (!base) throw new Error('no fixture connection');
  const id = newId('connection');
  const row = {
    ...base,
    id,
    name: `cached ${id}`,
    isDefault: false,
    cacheTtlSeconds: 600,
    ...over,
    settings: { ...base.settings, ...settings },
  };
  await database.db.insert(connections).values(row);
  return row;
}

async function runOf(role: Role, connectionId: string): Promise<string> {
  const id = newId('run');
  await database.db.insert(runs).values({
    id,
    workspaceId: fixture.workspaceId,
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    ownerId: fixture.users[role].id,
    connectionId,
    source: 'select salary from staff',
    rowLimit: 100,
    status: 'running',
  });
  return id;
}

async function statement(
  role: Role,
  conn: Awaited<ReturnType<typeof connection>>,
  over: Partial<CachedStatement> = {},
): Promise<CachedStatement> {
  const owner = await loadMemberActor(database.db, {
    workspaceId: fixture.workspaceId,
    userId: fixture.users[role].id,
  });
  const reader = owner
    ? await loadReaderFacts(database.db, { workspaceId: fixture.workspaceId, actor: owner })
    : null;
  const [current] = await database.db.select().from(connections).where(eq(connections.id, conn.id));
  if (!current) throw new Error('connection gone');
  return {
    workspaceId: fixture.workspaceId,
    runId: await runOf(role, conn.id),
    connection: current,
    sql: 'select salary from staff where team = $1',
    params: ['finance'],
    rowLimit: 100,
    owner,
    reader,
    refresh: false,
    ...over,
  };
}

/** The run's own result writer (window, sealing, notification), as the runner writes a run. */
const writerOf = (s: CachedStatement) =>
  createResultWriter(deps(), { workspaceId: fixture.workspaceId, resultId: s.runId });

/** The sink a served run hands cached chunks to: its own result writer. */
const servedInto = (s: CachedStatement): RunChunkSink => {
  const writer = writerOf(s);
  return (chunk) => writer.write(cachedChunkContent(chunk));
};

/**
 * Runs `s` "on the warehouse": its chunks through a recording sink into its run's chunks, the
 * first rows as cells (the cursor path), the last as the server's COPY text (the COPY path).
 */
async function ranFresh(s: CachedStatement, rows: Cell[][] = [[100], [200], [300]]) {
  const writer = writerOf(s);
  const recording = recordIntoCache(deps(), { ...s, startedAt: clock }, writer.write);
  await recording.write({ kind: 'columns', columns });
  await recording.write({ kind: 'rows', rows: rows.slice(0, 2) });
  const copyText = Buffer.from(
    rows
      .slice(2)
      .map((row) => `${row.join('\t')}\n`)
      .join(''),
    'utf8',
  );
  await recording.write({ kind: 'copy', letters: 'n', text: copyText, rowCount: rows.length - 2 });
  return recording.complete({ rowCount: rows.length, truncated: false });
}

/** A sink that records what it was given. */
function capture(): { sink: RunChunkSink; got: unknown[] } {
  const got: unknown[] = [];
  return {
    got,
    sink: async (chunk) => {
      got.push(chunk);
    },
  };
}

/** Everything the run's reader would receive from its run chunks. */
async function delivered(runId: string): Promise<ChunkBody[]> {
  const out: ChunkBody[] = [];
  for (let seq = 0; ; seq += 1) {
    const chunk = await readNextChunk(database.db, vault, {
      workspaceId: fixture.workspaceId,
      runId,
      fromSeq: seq,
      now: new Date(),
    });
    if (!chunk) return out;
    out.push(chunk.open());
  }
}

const storedChunks = async (runId: string) =>
  database.db.select().from(runChunks).where(eq(runChunks.runId, runId));

describe('the result cache in the runner', () => {
  it("serves a second reader from the first reader's result, into the second run's own chunks", async () => {
    const conn = await connection();
    clock = new Date();
    const first = await statement('admin', conn);
    expect(await ranFresh(first)).toBe(true);
    const firstRows = await delivered(first.runId);

    clock = new Date(clock.getTime() + 5 * 60_000);
    const second = await statement('viewer', conn);
    const served = await serveFromCache(deps(), second, servedInto(second));
    expect(served.ok && served.value).toMatchObject({ rowCount: 3, truncated: false });
    expect(served.ok && served.value?.createdAt.getTime()).toBe(clock.getTime() - 5 * 60_000);
    expect(await delivered(second.runId)).toEqual(firstRows);
    expect(firstRows).toEqual([
      { kind: 'columns', columns },
      { kind: 'rows', text: '[[100],[200]]', rowCount: 2 },
      { kind: 'rows', text: 'copy:n\n300\n', rowCount: 1 },
    ]);
  });

  it('gives a reader without Can view results nothing from the cache: no rows, no columns, no count', async () => {
    const financeGroup = newId('group');
    await database.db
      .insert(groups)
      .values({ id: financeGroup, workspaceId: fixture.workspaceId, name: 'Finance' });
    const conn = await connection({ canQuery: [financeGroup], canViewResults: [financeGroup] });
    clock = new Date();
    expect(await ranFresh(await statement('admin', conn))).toBe(true);

    const refused = await statement('editor', conn);
    const { sink, got } = capture();
    const served = await serveFromCache(deps(), refused, sink);
    expect(served).toEqual({
      ok: false,
      error: {
        reason: 'gate',
        error: expect.objectContaining({ code: 'access.no_can_view_results', kind: 'user' }),
      },
    });
    expect(got).toEqual([]);
    expect(await storedChunks(refused.runId)).toEqual([]);
    const shown = JSON.stringify(served);
    for (const leak of ['salary', '100', '"rowCount"']) expect(shown).not.toContain(leak);

    // Once in the group, the same reader passes the gate and is served.
    await database.db
      .insert(groupMembers)
      .values({ groupId: financeGroup, userId: fixture.users.editor.id, workspaceId: fixture.workspaceId });
    const allowed = await statement('editor', conn);
    const second = capture();
    const hit = await serveFromCache(deps(), allowed, second.sink);
    expect(hit.ok && hit.value?.rowCount).toBe(3);
    expect(second.got).toHaveLength(3);
  });

  it('refuses a reader who is no longer a member, with nothing served', async () => {
    const conn = await connection();
    clock = new Date();
    expect(await ranFresh(await statement('admin', conn))).toBe(true);
    const gone = { ...(await statement('viewer', conn)), owner: null, reader: null };
    const { sink, got } = capture();
    const served = await serveFromCache(deps(), gone, sink);
    expect(served.ok ? 'served' : served.error.reason).toBe('gate');
    expect(got).toEqual([]);
  });

  it('never shares an identity-passing connection’s result between readers with different identity facts', async () => {
    const conn = await connection({}, { passIdentity: true });
    clock = new Date();
    const alice = await statement('editor', conn);
    expect(await ranFresh(alice, [[1], [2], [3]])).toBe(true);

    const bob = capture();
    expect(await serveFromCache(deps(), await statement('viewer', conn), bob.sink)).toEqual({
      ok: true,
      value: null,
    });
    expect(bob.got).toEqual([]);

    const again = capture();
    const same = await serveFromCache(deps(), await statement('editor', conn), again.sink);
    expect(same.ok && same.value?.rowCount).toBe(3);

    // The same reader with another group is another identity to the warehouse's policies.
    const analysts = newId('group');
    await database.db
      .insert(groups)
      .values({ id: analysts, workspaceId: fixture.workspaceId, name: 'Analysts' });
    await database.db
      .insert(groupMembers)
      .values({ groupId: analysts, userId: fixture.users.editor.id, workspaceId: fixture.workspaceId });
    const regrouped = capture();
    expect(await serveFromCache(deps(), await statement('editor', conn), regrouped.sink)).toEqual({
      ok: true,
      value: null,
    });
    expect(regrouped.got).toEqual([]);

    // Without the reader's facts, an identity connection is neither read nor written.
    const unknown = { ...(await statement('editor', conn)), reader: null };
    expect(await serveFromCache(deps(), unknown, capture().sink)).toEqual({ ok: true, value: null });
  });

  it('keys queries in flight as the cache does: identity facts split an identity connection, nothing else does', async () => {
    // The policy off: a query in flight is still shared (it keeps nothing once it ends).
    const plain = await connection({ cacheTtlSeconds: null });
    const editor = await statement('editor', plain);
    const key = inFlightKeyOf(editor);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    // Anyone's run of the same statement reads the same query: each passed its own gate before.
    expect(inFlightKeyOf(await statement('manager', plain))).toBe(key);
    expect(inFlightKeyOf({ ...editor, refresh: true, runId: 'run_other' })).toBe(key);
    // Another bound value (or its type), SQL text, row limit or connection version is another query.
    expect(inFlightKeyOf({ ...editor, params: ['Finance'] })).not.toBe(key);
    expect(inFlightKeyOf({ ...editor, params: [1] })).not.toBe(inFlightKeyOf({ ...editor, params: ['1'] }));
    expect(inFlightKeyOf({ ...editor, sql: `${editor.sql} ` })).not.toBe(key);
    expect(inFlightKeyOf({ ...editor, rowLimit: 101 })).not.toBe(key);
    expect(
      inFlightKeyOf({ ...editor, connection: { ...editor.connection, updatedAt: new Date(1) } }),
    ).not.toBe(key);
    // Nothing of the bound values is in the key's text.
    expect(key).not.toContain('finance');

    const identity = await connection({ cacheTtlSeconds: null }, { passIdentity: true });
    const alice = inFlightKeyOf(await statement('editor', identity));
    expect(alice).not.toBeNull();
    expect(inFlightKeyOf(await statement('editor', identity))).toBe(alice);
    expect(inFlightKeyOf(await statement('viewer', identity))).not.toBe(alice);
    // Without the reader's facts, an identity connection's query is never shared.
    expect(inFlightKeyOf({ ...(await statement('editor', identity)), reader: null })).toBeNull();
  });

  it('shares a connection without identity between readers, whatever their groups', async () => {
    const conn = await connection();
    clock = new Date();
    expect(await ranFresh(await statement('editor', conn))).toBe(true);
    const other = capture();
    const hit = await serveFromCache(deps(), await statement('manager', conn), other.sink);
    expect(hit.ok && hit.value?.rowCount).toBe(3);
  });

  it('fails a tampered cached chunk with a typed vault error, serves none of it and deletes the entry', async () => {
    const conn = await connection();
    clock = new Date();
    expect(await ranFresh(await statement('admin', conn))).toBe(true);
    const [entry] = await database.db
      .select()
      .from(resultCacheEntries)
      .where(eq(resultCacheEntries.connectionId, conn.id));
    if (!entry) throw new Error('no entry');
    // The last rows chunk is altered: the check before serving finds it before the first chunk goes.
    const [chunk] = await database.db
      .select()
      .from(resultCacheChunks)
      .where(and(eq(resultCacheChunks.entryId, entry.id), eq(resultCacheChunks.seq, 2)));
    if (!chunk) throw new Error('no chunk');
    const altered = Buffer.from(chunk.payload);
    altered[altered.length - 3] = (altered[altered.length - 3] ?? 0) ^ 0x40;
    await database.db
      .update(resultCacheChunks)
      .set({ payload: altered })
      .where(and(eq(resultCacheChunks.entryId, entry.id), eq(resultCacheChunks.seq, 2)));

    const reader = await statement('viewer', conn);
    const { sink, got } = capture();
    const served = await serveFromCache(deps(), reader, sink);
    expect(served).toEqual({
      ok: false,
      error: {
        reason: 'sealed',
        error: expect.objectContaining({ code: 'vault.tampered', kind: 'system' }),
        chunksSent: 0,
      },
    });
    expect(got).toEqual([]);
    expect(await storedChunks(reader.runId)).toEqual([]);
    expect(
      await database.db.select().from(resultCacheEntries).where(eq(resultCacheEntries.id, entry.id)),
    ).toEqual([]);
  });

  it('stops serving at expiry, at a shortened or removed policy, and at invalidation, at once', async () => {
    const conn = await connection({ cacheTtlSeconds: 600 });
    const start = new Date();
    clock = start;
    expect(await ranFresh(await statement('admin', conn))).toBe(true);
    const at = async (ms: number) => {
      clock = new Date(start.getTime() + ms);
      const served = await serveFromCache(deps(), await statement('viewer', conn), capture().sink);
      if (!served.ok) throw new Error(served.error.reason);
      return served.value !== null;
    };
    expect(await at(599_000)).toBe(true);
    expect(await at(600_000)).toBe(false);

    await database.db.update(connections).set({ cacheTtlSeconds: 120 }).where(eq(connections.id, conn.id));
    expect(await at(119_000)).toBe(true);
    expect(await at(121_000)).toBe(false);

    await database.db.update(connections).set({ cacheTtlSeconds: null }).where(eq(connections.id, conn.id));
    expect(await at(1000)).toBe(false);

    await database.db.update(connections).set({ cacheTtlSeconds: 600 }).where(eq(connections.id, conn.id));
    expect(await at(1000)).toBe(true);
    await invalidateCache(database.db, { workspaceId: fixture.workspaceId, connectionId: conn.id });
    expect(await at(1000)).toBe(false);
  });

  it('skips the cache on a refresh and keeps the fresh result for the next reader', async () => {
    const conn = await connection();
    clock = new Date();
    expect(await ranFresh(await statement('admin', conn), [[1], [2], [3]])).toBe(true);
    const refreshed = await statement('admin', conn, { refresh: true });
    const { sink, got } = capture();
    expect(await serveFromCache(deps(), refreshed, sink)).toEqual({ ok: true, value: null });
    expect(got).toEqual([]);
    clock = new Date(clock.getTime() + 1000);
    expect(await ranFresh(refreshed, [[7], [8], [9]])).toBe(true);
    const next = await statement('viewer', conn);
    const served = await serveFromCache(deps(), next, servedInto(next));
    expect(served.ok && served.value?.createdAt.getTime()).toBe(clock.getTime());
    expect((await delivered(next.runId)).slice(1)).toEqual([
      { kind: 'rows', text: '[[7],[8]]', rowCount: 2 },
      { kind: 'rows', text: 'copy:n\n9\n', rowCount: 1 },
    ]);
  });

  it('keeps nothing of a failed run, nothing with the policy off, and never fails a run for the cache', async () => {
    const conn = await connection();
    clock = new Date();
    const failed = await statement('admin', conn);
    const recording = recordIntoCache(deps(), { ...failed, startedAt: clock }, writerOf(failed).write);
    await recording.write({ kind: 'columns', columns });
    await recording.write({ kind: 'rows', rows: [[1]] });
    await recording.abandon();
    expect(
      await database.db.select().from(resultCacheEntries).where(eq(resultCacheEntries.connectionId, conn.id)),
    ).toEqual([]);
    expect(await delivered(failed.runId)).toHaveLength(2);

    const off = await connection({ cacheTtlSeconds: null });
    expect(await ranFresh(await statement('admin', off))).toBe(false);
    expect(
      await database.db.select().from(resultCacheEntries).where(eq(resultCacheEntries.connectionId, off.id)),
    ).toEqual([]);

    // Invalidated while the run streams: the run's own chunks keep flowing, the entry is not kept.
    const busy = await statement('admin', conn);
    const streaming = recordIntoCache(deps(), { ...busy, startedAt: clock }, writerOf(busy).write);
    await streaming.write({ kind: 'columns', columns });
    await invalidateCache(database.db, { workspaceId: fixture.workspaceId, connectionId: conn.id });
    await streaming.write({ kind: 'rows', rows: [[1]] });
    await streaming.write({ kind: 'rows', rows: [[2]] });
    expect(await streaming.complete({ rowCount: 2, truncated: false })).toBe(false);
    expect(await delivered(busy.runId)).toHaveLength(3);
    expect(
      await database.db.select().from(resultCacheEntries).where(eq(resultCacheEntries.connectionId, conn.id)),
    ).toEqual([]);
  });

  it('stops recording, keeping nothing, when the run’s writer refuses a chunk (an abandoned result)', async () => {
    const conn = await connection();
    clock = new Date();
    const run = await statement('admin', conn);
    const abandoned = { code: 'run.abandoned', message: 'Nobody read this result' };
    let calls = 0;
    const recording = recordIntoCache(deps(), { ...run, startedAt: clock }, async () => {
      calls += 1;
      return calls === 1 ? { ok: true as const, value: undefined } : { ok: false as const, error: abandoned };
    });
    expect(await recording.write({ kind: 'columns', columns })).toEqual({ ok: true, value: undefined });
    expect(await recording.write({ kind: 'rows', rows: [[1]] })).toEqual({ ok: false, error: abandoned });
    expect(await recording.complete({ rowCount: 1, truncated: false })).toBe(false);
    expect(
      await database.db.select().from(resultCacheEntries).where(eq(resultCacheEntries.connectionId, conn.id)),
    ).toEqual([]);
  });

  it('hands a served run’s writer refusal back, with how much went out', async () => {
    const conn = await connection();
    clock = new Date();
    expect(await ranFresh(await statement('admin', conn))).toBe(true);
    const abandoned = { code: 'run.abandoned', message: 'Nobody read this result' };
    let calls = 0;
    const served = await serveFromCache(deps(), await statement('viewer', conn), async () => {
      calls += 1;
      return calls < 2 ? { ok: true, value: undefined } : { ok: false, error: abandoned };
    });
    expect(served).toEqual({ ok: false, error: { reason: 'sink', error: abandoned, chunksSent: 1 } });
  });

  it('serves a large entry (read twice: checked, then sent) whole and in order, and none of it once altered', async () => {
    const conn = await connection();
    clock = new Date();
    const run = await statement('admin', conn);
    const recording = recordIntoCache(deps(), { ...run, startedAt: clock }, async () => undefined);
    await recording.write({ kind: 'columns', columns });
    for (let batch = 0; batch < 14; batch += 1)
      await recording.write({ kind: 'rows', rows: [[batch], [batch + 100]] });
    expect(await recording.complete({ rowCount: 28, truncated: false })).toBe(true);

    const { sink, got } = capture();
    const served = await serveFromCache(deps(), await statement('viewer', conn), sink);
    expect(served.ok && served.value?.rowCount).toBe(28);
    expect(got).toHaveLength(15);
    expect(got[14]).toEqual({ kind: 'rows', text: '[[13],[113]]', rowCount: 2 });

    const [entry] = await database.db
      .select()
      .from(resultCacheEntries)
      .where(eq(resultCacheEntries.connectionId, conn.id));
    if (!entry) throw new Error('no entry');
    await database.db
      .delete(resultCacheChunks)
      .where(and(eq(resultCacheChunks.entryId, entry.id), eq(resultCacheChunks.seq, 13)));
    const after = capture();
    const refused = await serveFromCache(deps(), await statement('viewer', conn), after.sink);
    expect(refused.ok ? 'served' : [refused.error.reason, refused.error.error.code]).toEqual([
      'sealed',
      'vault.tampered',
    ]);
    expect(after.got).toEqual([]);
  });

  it('serves nothing computed before the connection was edited (new credentials may see other rows)', async () => {
    const conn = await connection();
    clock = new Date();
    expect(await ranFresh(await statement('admin', conn))).toBe(true);
    const before = await serveFromCache(deps(), await statement('viewer', conn), capture().sink);
    expect(before.ok && before.value?.rowCount).toBe(3);
    await database.db
      .update(connections)
      .set({ updatedAt: new Date(Date.now() + 1000) })
      .where(eq(connections.id, conn.id));
    const { sink, got } = capture();
    expect(await serveFromCache(deps(), await statement('viewer', conn), sink)).toEqual({
      ok: true,
      value: null,
    });
    expect(got).toEqual([]);
  });
});
