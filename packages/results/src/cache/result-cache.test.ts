import { createHash } from 'node:crypto';
import { newId } from '@quarry/db';
import {
  connections,
  resultCacheChunks,
  resultCacheEntries,
  resultCacheKeys,
  workspaces,
} from '@quarry/db/schema';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CacheKey, cacheKeyFor, cacheKeyHash } from './cache-key';
import { findFreshEntry } from './find-fresh-entry';
import { invalidateCache, sweepExpiredCache } from './invalidate-cache';
import { CacheChunkError, type EntryChunk, readEntryChunks } from './read-entry';
import { beginCacheEntry } from './write-entry';

let database: TestDatabase;
let vault: Vault;
const workspaceId = newId('workspace');
const otherWorkspaceId = newId('workspace');
const columns = [{ name: 'secret', type: 'text' as const, dbType: 'text' }];

function newVault(): Vault {
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
}

beforeAll(async () => {
  database = await createTestDatabase();
  vault = newVault();
  await database.db.insert(workspaces).values([
    { id: workspaceId, name: 'Cache' },
    { id: otherWorkspaceId, name: 'Other' },
  ]);
});
afterAll(async () => {
  await database?.drop();
});

async function newConnection(ttlSeconds: number | null = 600, wsp = workspaceId): Promise<string> {
  const id = newId('connection');
  await database.db.insert(connections).values({
    id,
    workspaceId: wsp,
    name: `warehouse ${id}`,
    kind: 'postgres',
    createdBy: 'usr_x',
    cacheTtlSeconds: ttlSeconds,
  });
  return id;
}

const keyOf = (connectionId: string, over: Partial<Parameters<typeof cacheKeyFor>[0]> = {}): CacheKey =>
  cacheKeyFor({
    workspaceId,
    connectionId,
    connectionVersion: 'v1',
    sql: 'select secret from t where owner = $1',
    params: ['alice@example.com'],
    rowLimit: 1000,
    identity: null,
    ...over,
  });

/** Writes a complete entry of two row batches; answers its id. */
async function cached(key: CacheKey, now: Date, ttlSeconds = 600): Promise<string> {
  const begun = await beginCacheEntry(database.db, vault, { key, ttlSeconds, now });
  if (!begun.ok) throw new Error(begun.error.code);
  const writer = begun.value;
  await writer.append({ kind: 'columns', columns });
  await writer.append({ kind: 'rows', rows: [['row one'], ['row two']] });
  await writer.append({ kind: 'rows', text: '[["row three"]]', rowCount: 1 });
  expect(await writer.complete({ rowCount: 3, truncated: false })).toBe(true);
  return writer.entryId;
}

async function found(key: CacheKey, now: Date) {
  const result = await findFreshEntry(database.db, vault, key, now);
  if (!result.ok) throw new Error(result.error.code);
  return result.value;
}

async function readAll(entry: { id: string; workspaceId: string }, from = vault): Promise<EntryChunk[]> {
  const chunks: EntryChunk[] = [];
  for await (const chunk of readEntryChunks(database.db, from, entry)) chunks.push(chunk);
  return chunks;
}

async function readError(entry: { id: string; workspaceId: string }): Promise<CacheChunkError> {
  try {
    await readAll(entry);
  } catch (error) {
    if (error instanceof CacheChunkError) return error;
    throw error;
  }
  throw new Error('the entry was read whole');
}

describe('the result cache', () => {
  it('serves back exactly what a run wrote, in order, sealed at rest, under a keyed hash', async () => {
    const connectionId = await newConnection();
    const key = keyOf(connectionId);
    const now = new Date();
    const entryId = await cached(key, now);

    const entry = await found(key, new Date(now.getTime() + 1000));
    expect(entry).toMatchObject({ id: entryId, workspaceId, connectionId, rowCount: 3, truncated: false });
    expect(entry?.createdAt.getTime()).toBe(now.getTime());
    expect(await readAll({ id: entryId, workspaceId })).toEqual([
      { kind: 'columns', columns },
      { kind: 'rows', text: '[["row one"],["row two"]]', rowCount: 2 },
      { kind: 'rows', text: '[["row three"]]', rowCount: 1 },
      { kind: 'end', rowCount: 3, truncated: false },
    ]);

    const stored = await database.db
      .select()
      .from(resultCacheChunks)
      .where(eq(resultCacheChunks.entryId, entryId));
    expect(stored).toHaveLength(4);
    for (const chunk of stored) {
      for (const plain of ['row one', 'row three', 'secret']) {
        expect(chunk.payload.includes(Buffer.from(plain))).toBe(false);
      }
    }
    // The stored hash is neither the key's text nor an unkeyed hash of it that a guess could confirm.
    const [row] = await database.db
      .select()
      .from(resultCacheEntries)
      .where(eq(resultCacheEntries.id, entryId));
    expect(row?.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.keyHash).not.toBe(createHash('sha256').update(key.material).digest('hex'));
    expect(row?.keyHash.includes('alice')).toBe(false);
    const [sealedKey] = await database.db
      .select()
      .from(resultCacheKeys)
      .where(eq(resultCacheKeys.workspaceId, workspaceId));
    expect(sealedKey?.sealedKey.length).toBeGreaterThan(32);
  });

  it('answers the same key with another hash in another workspace, and a foreign vault cannot hash it', async () => {
    const material = keyOf('con_same');
    const here = await cacheKeyHash(database.db, vault, material);
    const there = await cacheKeyHash(database.db, vault, { ...material, workspaceId: otherWorkspaceId });
    expect(here.ok && there.ok && here.value !== there.value).toBe(true);
    const foreign = await cacheKeyHash(database.db, newVault(), material);
    expect(foreign.ok ? 'hashed' : foreign.error.code).toBe('vault.unknown_key');
  });

  it('misses for any other connection, SQL text, bound value, value type, row limit or identity', async () => {
    const connectionId = await newConnection();
    const otherConnection = await newConnection();
    const now = new Date();
    await cached(keyOf(connectionId), now);
    const later = new Date(now.getTime() + 1000);
    expect(await found(keyOf(connectionId), later)).not.toBeNull();
    for (const other of [
      keyOf(otherConnection),
      keyOf(connectionId, { sql: 'select secret from t where owner = $1 ' }),
      keyOf(connectionId, { params: ['bob@example.com'] }),
      keyOf(connectionId, { params: ['alice@example.com', null] }),
      keyOf(connectionId, { rowLimit: 999 }),
      keyOf(connectionId, { connectionVersion: 'v2' }),
      keyOf(connectionId, { identity: 'a'.repeat(64) }),
    ]) {
      expect(await found(other, later)).toBeNull();
    }
    const typed = await newConnection();
    await cached(keyOf(typed, { params: [1] }), now);
    expect(await found(keyOf(typed, { params: ['1'] }), later)).toBeNull();
    expect(await found(keyOf(typed, { params: [1] }), later)).not.toBeNull();
  });

  it('never serves an entry before it is complete, and a failed run leaves nothing behind', async () => {
    const connectionId = await newConnection();
    const key = keyOf(connectionId);
    const now = new Date();
    const begun = await beginCacheEntry(database.db, vault, { key, ttlSeconds: 600, now });
    if (!begun.ok) throw new Error(begun.error.code);
    await begun.value.append({ kind: 'columns', columns });
    await begun.value.append({ kind: 'rows', rows: [['partial']] });
    expect(await found(key, now)).toBeNull();
    await begun.value.abandon();
    expect(
      await database.db
        .select()
        .from(resultCacheEntries)
        .where(eq(resultCacheEntries.id, begun.value.entryId)),
    ).toEqual([]);
    expect(
      await database.db
        .select()
        .from(resultCacheChunks)
        .where(eq(resultCacheChunks.entryId, begun.value.entryId)),
    ).toEqual([]);
  });

  it('refuses to complete an entry whose row count disagrees with the rows written', async () => {
    const connectionId = await newConnection();
    const key = keyOf(connectionId);
    const begun = await beginCacheEntry(database.db, vault, { key, ttlSeconds: 600, now: new Date() });
    if (!begun.ok) throw new Error(begun.error.code);
    await begun.value.append({ kind: 'columns', columns });
    await begun.value.append({ kind: 'rows', rows: [['one']] });
    expect(await begun.value.complete({ rowCount: 2, truncated: false })).toBe(false);
    expect(await found(key, new Date())).toBeNull();
  });

  it('keeps a truncated result with its truncated flag', async () => {
    const connectionId = await newConnection();
    const key = keyOf(connectionId, { rowLimit: 1 });
    const begun = await beginCacheEntry(database.db, vault, { key, ttlSeconds: 600, now: new Date() });
    if (!begun.ok) throw new Error(begun.error.code);
    await begun.value.append({ kind: 'columns', columns });
    await begun.value.append({ kind: 'rows', rows: [['only']] });
    expect(await begun.value.complete({ rowCount: 1, truncated: true })).toBe(true);
    const entry = await found(key, new Date());
    expect(entry?.truncated).toBe(true);
    expect((await readAll({ id: begun.value.entryId, workspaceId })).at(-1)).toEqual({
      kind: 'end',
      rowCount: 1,
      truncated: true,
    });
  });

  it('stops serving at expiry, at once when the policy is shortened or turned off, and the sweep deletes it', async () => {
    const connectionId = await newConnection(600);
    const key = keyOf(connectionId);
    const now = new Date();
    const entryId = await cached(key, now);
    expect(await found(key, new Date(now.getTime() + 599_000))).not.toBeNull();
    expect(await found(key, new Date(now.getTime() + 600_000))).toBeNull();

    await database.db
      .update(connections)
      .set({ cacheTtlSeconds: 60 })
      .where(eq(connections.id, connectionId));
    expect(await found(key, new Date(now.getTime() + 59_000))).not.toBeNull();
    expect(await found(key, new Date(now.getTime() + 61_000))).toBeNull();

    await database.db
      .update(connections)
      .set({ cacheTtlSeconds: null })
      .where(eq(connections.id, connectionId));
    expect(await found(key, new Date(now.getTime() + 1000))).toBeNull();
    expect(await sweepExpiredCache(database.db, new Date(now.getTime() + 1000))).toBeGreaterThanOrEqual(1);
    expect(
      await database.db.select().from(resultCacheEntries).where(eq(resultCacheEntries.id, entryId)),
    ).toEqual([]);
    expect(
      await database.db.select().from(resultCacheChunks).where(eq(resultCacheChunks.entryId, entryId)),
    ).toEqual([]);
  });

  it('sweeps expired entries and abandoned incomplete ones, and keeps fresh and in-progress ones', async () => {
    const connectionId = await newConnection(600);
    const now = new Date();
    const fresh = await cached(keyOf(connectionId, { rowLimit: 1 }), now);
    const expired = await cached(keyOf(connectionId, { rowLimit: 2 }), new Date(now.getTime() - 601_000));
    const writing = await beginCacheEntry(database.db, vault, {
      key: keyOf(connectionId, { rowLimit: 3 }),
      ttlSeconds: 600,
      now,
    });
    // An entry still incomplete an hour on was left by a runner that died mid-write.
    const abandoned = await beginCacheEntry(database.db, vault, {
      key: keyOf(connectionId, { rowLimit: 4 }),
      ttlSeconds: 600,
      now: new Date(now.getTime() - 3_600_000),
    });
    if (!writing.ok || !abandoned.ok) throw new Error('begin failed');
    await database.db
      .update(connections)
      .set({ cacheTtlSeconds: 7200 })
      .where(eq(connections.id, connectionId));
    await database.db
      .update(resultCacheEntries)
      .set({ expiresAt: new Date(now.getTime() + 3_600_000) })
      .where(eq(resultCacheEntries.id, abandoned.value.entryId));
    await sweepExpiredCache(database.db, now);
    const left = await database.db
      .select({ id: resultCacheEntries.id })
      .from(resultCacheEntries)
      .where(eq(resultCacheEntries.connectionId, connectionId));
    expect(left.map((e) => e.id).sort()).toEqual([fresh, writing.value.entryId].sort());
    expect(left.map((e) => e.id)).not.toContain(expired);
  });

  it('fails a tampered, moved, reordered or cut entry with a typed vault error', async () => {
    const connectionId = await newConnection();
    const now = new Date();

    const altered = await cached(keyOf(connectionId, { rowLimit: 11 }), now);
    const [chunk] = await database.db
      .select()
      .from(resultCacheChunks)
      .where(and(eq(resultCacheChunks.entryId, altered), eq(resultCacheChunks.seq, 1)));
    if (!chunk) throw new Error('no chunk');
    const flipped = Buffer.from(chunk.payload);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    await database.db
      .update(resultCacheChunks)
      .set({ payload: flipped })
      .where(and(eq(resultCacheChunks.entryId, altered), eq(resultCacheChunks.seq, 1)));
    const tampered = await readError({ id: altered, workspaceId });
    expect([tampered.error.code, tampered.seq]).toEqual(['vault.tampered', 1]);

    const swapped = await cached(keyOf(connectionId, { rowLimit: 12 }), now);
    const rows = await database.db
      .select()
      .from(resultCacheChunks)
      .where(eq(resultCacheChunks.entryId, swapped))
      .orderBy(resultCacheChunks.seq);
    await database.db
      .update(resultCacheChunks)
      .set({ payload: rows[2]?.payload })
      .where(and(eq(resultCacheChunks.entryId, swapped), eq(resultCacheChunks.seq, 1)));
    expect((await readError({ id: swapped, workspaceId })).error.code).toBe('vault.tampered');

    const cut = await cached(keyOf(connectionId, { rowLimit: 13 }), now);
    await database.db
      .delete(resultCacheChunks)
      .where(and(eq(resultCacheChunks.entryId, cut), eq(resultCacheChunks.seq, 2)));
    expect((await readError({ id: cut, workspaceId })).error.code).toBe('vault.tampered');

    // The tail cut with the trailer renumbered in: the trailer's sealed position refuses it.
    const tail = await cached(keyOf(connectionId, { rowLimit: 14 }), now);
    await database.db
      .delete(resultCacheChunks)
      .where(and(eq(resultCacheChunks.entryId, tail), eq(resultCacheChunks.seq, 2)));
    await database.db
      .update(resultCacheChunks)
      .set({ seq: 2 })
      .where(and(eq(resultCacheChunks.entryId, tail), eq(resultCacheChunks.seq, 3)));
    expect((await readError({ id: tail, workspaceId })).error.code).toBe('vault.tampered');

    const headless = await cached(keyOf(connectionId, { rowLimit: 15 }), now);
    await database.db
      .delete(resultCacheChunks)
      .where(and(eq(resultCacheChunks.entryId, headless), eq(resultCacheChunks.seq, 3)));
    expect((await readError({ id: headless, workspaceId })).error.code).toBe('vault.tampered');

    const moved = await cached(keyOf(connectionId, { rowLimit: 16 }), now);
    expect((await readError({ id: moved, workspaceId: otherWorkspaceId })).error.code).toBe('vault.tampered');
  });

  it('invalidates one connection or a whole workspace, never another workspace, and stops a writer', async () => {
    const first = await newConnection();
    const second = await newConnection();
    const foreign = await newConnection(600, otherWorkspaceId);
    const now = new Date();
    await cached(keyOf(first), now);
    await cached(keyOf(second), now);
    const foreignKey = { ...keyOf(foreign), workspaceId: otherWorkspaceId };
    await cached(foreignKey, now);
    const writing = await beginCacheEntry(database.db, vault, {
      key: keyOf(first, { rowLimit: 5 }),
      ttlSeconds: 600,
      now,
    });
    if (!writing.ok) throw new Error(writing.error.code);
    await writing.value.append({ kind: 'columns', columns });

    expect(await invalidateCache(database.db, { workspaceId, connectionId: first })).toBe(2);
    expect(await found(keyOf(first), now)).toBeNull();
    expect(await found(keyOf(second), now)).not.toBeNull();
    // The writer's next chunk has no entry to join; its completion finds none to complete.
    await expect(writing.value.append({ kind: 'rows', rows: [['late']] })).rejects.toThrow();
    expect(await writing.value.complete({ rowCount: 0, truncated: false })).toBe(false);
    expect(await found(keyOf(first, { rowLimit: 5 }), now)).toBeNull();

    // Another workspace's connection id deletes nothing there.
    expect(await invalidateCache(database.db, { workspaceId, connectionId: foreign })).toBe(0);
    expect(await found(foreignKey, now)).not.toBeNull();

    expect(await invalidateCache(database.db, { workspaceId })).toBeGreaterThanOrEqual(1);
    expect(await found(keyOf(second), now)).toBeNull();
    expect(await found(foreignKey, now)).not.toBeNull();
  });

  it('goes with its connection', async () => {
    const connectionId = await newConnection();
    const entryId = await cached(keyOf(connectionId), new Date());
    await database.db.delete(connections).where(eq(connections.id, connectionId));
    expect(
      await database.db.select().from(resultCacheEntries).where(eq(resultCacheEntries.id, entryId)),
    ).toEqual([]);
  });

  it('keeps only the newest result of a key', async () => {
    const connectionId = await newConnection();
    const key = keyOf(connectionId);
    const now = new Date();
    const older = await cached(key, new Date(now.getTime() - 10_000));
    const newer = await cached(key, now);
    expect((await found(key, now))?.id).toBe(newer);
    expect(
      await database.db.select().from(resultCacheEntries).where(eq(resultCacheEntries.id, older)),
    ).toEqual([]);
  });
});
