import { randomBytes } from 'node:crypto';
import type { Db } from '@quarry/db';
import { connections, resultCacheChunks, resultCacheEntries } from '@quarry/db/schema';
import type { Vault, VaultError } from '@quarry/vault';
import { and, eq, isNotNull, lte, ne, sql } from 'drizzle-orm';
import {
  type CacheChunk,
  type CacheTrailer,
  cacheChunkContext,
  chunkPlaintext,
  type RunChunkContent,
  TRAILER_ROW_COUNT,
} from './cache-format';
import { type CacheKey, cacheKeyHash } from './cache-key';

/**
 * Writes one run's result into a new cache entry as the run produces it. Every call may throw (the
 * entry was invalidated or swept under it: its chunks' inserts then fail): the caller treats the
 * cache as best effort and stops writing, never failing the run for it.
 */
export type CacheWriter = {
  entryId: string;
  /** Seals and stores the next chunk: the columns first, then row batches in order. */
  append(chunk: CacheChunk | RunChunkContent): Promise<void>;
  /**
   * Seals the trailer and marks the entry complete, servable from now on; answers whether it did.
   * It does not when the run's row count disagrees with the chunks appended, when the entry is gone
   * (invalidated or swept while the run went on), or when the connection's policy was turned off
   * meanwhile (the entry is then deleted). Older entries of the same key are deleted.
   */
  complete(outcome: { rowCount: number; truncated: boolean }): Promise<boolean>;
  /** Deletes the entry and what was written of it (a failed or cancelled run caches nothing). */
  abandon(): Promise<void>;
};

/** Random entry ids (`rce_…`): a chunk's vault context names its entry. */
const newEntryId = () => `rce_${randomBytes(16).toString('hex')}`;

/**
 * Begins an entry for `key`, expiring `ttlSeconds` after `now` (when the run's query started: a
 * result is as old as its query). The entry is invisible to readers until `complete`.
 */
export async function beginCacheEntry(
  db: Db,
  vault: Vault,
  input: { key: CacheKey; ttlSeconds: number; now: Date },
): Promise<{ ok: true; value: CacheWriter } | { ok: false; error: VaultError }> {
  const hash = await cacheKeyHash(db, vault, input.key);
  if (!hash.ok) return hash;
  const { workspaceId } = input.key;
  const entryId = newEntryId();
  await db.insert(resultCacheEntries).values({
    id: entryId,
    workspaceId,
    connectionId: input.key.connectionId,
    keyHash: hash.value,
    createdAt: input.now,
    expiresAt: new Date(input.now.getTime() + input.ttlSeconds * 1000),
  });
  let seq = 0;
  let rows = 0;
  let ended = false;

  const store = (at: number, text: string | Uint8Array, rowCount: number, into: Pick<Db, 'insert'> = db) =>
    into.insert(resultCacheChunks).values({
      entryId,
      seq: at,
      rowCount,
      payload: vault.seal(text, cacheChunkContext(workspaceId, entryId, at)),
    });

  const abandon = async () => {
    ended = true;
    await db.delete(resultCacheEntries).where(eq(resultCacheEntries.id, entryId));
  };

  return {
    ok: true,
    value: {
      entryId,
      async append(chunk) {
        if (ended) throw new Error('cache entry already ended');
        if ((seq === 0) !== (chunk.kind === 'columns')) {
          throw new Error('a cache entry holds its columns first, and only first');
        }
        const { text, rowCount } = chunkPlaintext(chunk);
        await store(seq, text, rowCount);
        seq += 1;
        rows += rowCount;
      },
      async complete(outcome) {
        if (ended) return false;
        if (seq === 0 || outcome.rowCount !== rows) {
          await abandon();
          return false;
        }
        ended = true;
        const trailer: CacheTrailer = { chunks: seq, rowCount: rows, truncated: outcome.truncated };
        return db.transaction(async (tx) => {
          // Completed only while the policy is on, and never past the policy as it is now.
          const [done] = await tx
            .update(resultCacheEntries)
            .set({
              complete: true,
              rowCount: rows,
              truncated: outcome.truncated,
              expiresAt: sql`least(${resultCacheEntries.expiresAt}, ${resultCacheEntries.createdAt} + ${connections.cacheTtlSeconds} * interval '1 second')`,
            })
            .from(connections)
            .where(
              and(
                eq(resultCacheEntries.id, entryId),
                eq(connections.id, resultCacheEntries.connectionId),
                eq(connections.workspaceId, resultCacheEntries.workspaceId),
                isNotNull(connections.cacheTtlSeconds),
              ),
            )
            .returning({ createdAt: resultCacheEntries.createdAt });
          if (!done) {
            await tx.delete(resultCacheEntries).where(eq(resultCacheEntries.id, entryId));
            return false;
          }
          // The trailer lands with the flag, so a servable entry always has one.
          await store(seq, JSON.stringify(trailer), TRAILER_ROW_COUNT, tx);
          // The newest result of a key replaces the ones before it.
          await tx
            .delete(resultCacheEntries)
            .where(
              and(
                eq(resultCacheEntries.workspaceId, workspaceId),
                eq(resultCacheEntries.keyHash, hash.value),
                ne(resultCacheEntries.id, entryId),
                eq(resultCacheEntries.complete, true),
                lte(resultCacheEntries.createdAt, done.createdAt),
              ),
            );
          return true;
        });
      },
      abandon,
    },
  };
}
