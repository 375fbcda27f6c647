import { newId } from '@quarry/db';
import { auditEvents, connections, resultCacheEntries } from '@quarry/db/schema';
import { beginCacheEntry, cacheKeyFor, findFreshEntry } from '@quarry/results';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal, uniqueName } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

type Workspace = ApiHarness['a'];

/** A workspace connection with the cache on, written straight to the database. */
async function connectionIn(workspace: Workspace, ttlSeconds: number | null = 600): Promise<string> {
  const id = newId('connection');
  await h.database.db.insert(connections).values({
    id,
    workspaceId: workspace.workspaceId,
    name: uniqueName('cached'),
    kind: 'postgres',
    createdBy: workspace.users.admin.id,
    cacheTtlSeconds: ttlSeconds,
  });
  return id;
}

const keyOf = (workspace: Workspace, connectionId: string, sql = 'select 1') =>
  cacheKeyFor({
    workspaceId: workspace.workspaceId,
    connectionId,
    connectionVersion: 'v1',
    sql,
    params: [],
    rowLimit: 10,
    identity: null,
  });

/** A complete cached result of `sql` on the connection, `ageMs` old. */
async function cachedResult(workspace: Workspace, connectionId: string, sql = 'select 1', ageMs = 0) {
  const begun = await beginCacheEntry(h.database.db, h.vault, {
    key: keyOf(workspace, connectionId, sql),
    ttlSeconds: 3600,
    now: new Date(Date.now() - ageMs),
  });
  if (!begun.ok) throw new Error(begun.error.code);
  await begun.value.append({ kind: 'columns', columns: [{ name: 'n', type: 'integer', dbType: 'int4' }] });
  await begun.value.append({ kind: 'rows', rows: [[1]] });
  expect(await begun.value.complete({ rowCount: 1, truncated: false })).toBe(true);
  return begun.value.entryId;
}

const entriesOf = async (connectionId: string) =>
  (
    await h.database.db
      .select({ id: resultCacheEntries.id })
      .from(resultCacheEntries)
      .where(eq(resultCacheEntries.connectionId, connectionId))
  ).map((e) => e.id);

const fresh = async (workspace: Workspace, connectionId: string, sql = 'select 1') => {
  const found = await findFreshEntry(h.database.db, h.vault, keyOf(workspace, connectionId, sql), new Date());
  if (!found.ok) throw new Error(found.error.code);
  return found.value;
};

describe('connections.setCachePolicy', () => {
  it('lets an Admin turn the cache on with a TTL, and off, which deletes every cached result', async () => {
    const admin = await h.as(h.a, 'admin');
    const connectionId = await connectionIn(h.a, null);
    expect(await admin.connections.setCachePolicy({ connectionId, ttlSeconds: 900 })).toEqual({
      connectionId,
      ttlSeconds: 900,
      deleted: 0,
    });
    const [row] = await h.database.db.select().from(connections).where(eq(connections.id, connectionId));
    expect(row?.cacheTtlSeconds).toBe(900);

    const entryId = await cachedResult(h.a, connectionId);
    expect((await fresh(h.a, connectionId))?.id).toBe(entryId);
    expect(await admin.connections.setCachePolicy({ connectionId, ttlSeconds: null })).toEqual({
      connectionId,
      ttlSeconds: null,
      deleted: 1,
    });
    expect(await entriesOf(connectionId)).toEqual([]);

    const audited = await h.database.db
      .select({ details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'connection.cache_policy'), eq(auditEvents.targetId, connectionId)));
    expect(audited.map((a) => a.details)).toEqual([
      expect.objectContaining({ ttlSeconds: 900, previous: null, deleted: 0 }),
      expect.objectContaining({ ttlSeconds: null, previous: 900, deleted: 1 }),
    ]);
  });

  it('starts the cache afresh on any change of the policy, deleting what was cached', async () => {
    const admin = await h.as(h.a, 'admin');
    const connectionId = await connectionIn(h.a, 3600);
    await cachedResult(h.a, connectionId, 'select 1', 30 * 60_000);
    await cachedResult(h.a, connectionId, 'select 2', 60_000);
    const other = await connectionIn(h.a, 3600);
    const kept = await cachedResult(h.a, other);
    expect((await admin.connections.setCachePolicy({ connectionId, ttlSeconds: 7200 })).deleted).toBe(2);
    expect(await entriesOf(connectionId)).toEqual([]);
    expect(await entriesOf(other)).toEqual([kept]);
  });

  it('refuses non-Admins on a workspace connection, a TTL out of bounds, and another workspace, changing nothing', async () => {
    const connectionId = await connectionIn(h.a, 600);
    for (const role of ['manager', 'editor', 'viewer'] as const) {
      const caller = await h.as(h.a, role);
      expect(
        (await refusal(caller.connections.setCachePolicy({ connectionId, ttlSeconds: null }))).code,
      ).toBe('FORBIDDEN');
    }
    const admin = await h.as(h.a, 'admin');
    for (const ttlSeconds of [0, 59, 7 * 24 * 3600 + 1, 1.5]) {
      expect((await refusal(admin.connections.setCachePolicy({ connectionId, ttlSeconds }))).code).toBe(
        'BAD_REQUEST',
      );
    }
    const otherAdmin = await h.as(h.b, 'admin');
    expect(
      (await refusal(otherAdmin.connections.setCachePolicy({ connectionId, ttlSeconds: null }))).code,
    ).toBe('NOT_FOUND');
    const [row] = await h.database.db.select().from(connections).where(eq(connections.id, connectionId));
    expect(row?.cacheTtlSeconds).toBe(600);
  });
});

describe('connections.invalidateCache', () => {
  it('is for Admins only: a Viewer, an Editor or a Manager deletes nothing', async () => {
    const connectionId = await connectionIn(h.a);
    const entryId = await cachedResult(h.a, connectionId);
    for (const role of ['viewer', 'editor', 'manager'] as const) {
      const caller = await h.as(h.a, role);
      expect((await refusal(caller.connections.invalidateCache({ connectionId }))).code).toBe('FORBIDDEN');
      expect((await refusal(caller.connections.invalidateCache({}))).code).toBe('FORBIDDEN');
    }
    expect(await entriesOf(connectionId)).toEqual([entryId]);
  });

  it("answers another workspace's connection id with NOT_FOUND and deletes nothing", async () => {
    const connectionId = await connectionIn(h.a);
    const entryId = await cachedResult(h.a, connectionId);
    const otherAdmin = await h.as(h.b, 'admin');
    expect(await refusal(otherAdmin.connections.invalidateCache({ connectionId }))).toMatchObject({
      code: 'NOT_FOUND',
      quarry: 'not_found.connection',
    });
    expect(await entriesOf(connectionId)).toEqual([entryId]);
    // Their whole-workspace invalidation does not reach this workspace either.
    await otherAdmin.connections.invalidateCache({});
    expect(await entriesOf(connectionId)).toEqual([entryId]);
    expect((await fresh(h.a, connectionId))?.id).toBe(entryId);
  });

  it("deletes one connection's results, or the workspace's, stops serving them at once, and is audited", async () => {
    const admin = await h.as(h.a, 'admin');
    const first = await connectionIn(h.a);
    const second = await connectionIn(h.a);
    const theirs = await connectionIn(h.b);
    await cachedResult(h.a, first);
    const kept = await cachedResult(h.a, second);
    const foreign = await cachedResult(h.b, theirs);

    expect(await admin.connections.invalidateCache({ connectionId: first })).toEqual({ deleted: 1 });
    expect(await fresh(h.a, first)).toBeNull();
    expect(await entriesOf(second)).toEqual([kept]);

    expect((await admin.connections.invalidateCache({})).deleted).toBeGreaterThanOrEqual(1);
    expect(await fresh(h.a, second)).toBeNull();
    expect(await entriesOf(theirs)).toEqual([foreign]);

    const audited = await h.database.db
      .select({
        targetType: auditEvents.targetType,
        targetId: auditEvents.targetId,
        actorId: auditEvents.actorId,
      })
      .from(auditEvents)
      .where(
        and(eq(auditEvents.action, 'connection.cache_invalidate'), eq(auditEvents.chain, h.a.workspaceId)),
      );
    expect(audited).toEqual(
      expect.arrayContaining([
        { targetType: 'connection', targetId: first, actorId: h.a.users.admin.id },
        { targetType: 'workspace', targetId: h.a.workspaceId, actorId: h.a.users.admin.id },
      ]),
    );
  });
});
