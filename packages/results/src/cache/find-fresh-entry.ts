import type { Db } from '@quarry/db';
import { connections, resultCacheEntries } from '@quarry/db/schema';
import type { Vault, VaultError } from '@quarry/vault';
import { and, desc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import type { CacheKey } from './cache-key';
import { cacheKeyHash } from './cache-key';

/** A complete entry that may be served now. */
export type CacheEntry = {
  id: string;
  workspaceId: string;
  connectionId: string;
  rowCount: number;
  truncated: boolean;
  /** When the result was computed: the run that wrote it started its query at this time. */
  createdAt: Date;
  expiresAt: Date;
};

/**
 * The newest complete entry for `key` that is fresh at `now`, or null. Fresh means: before its own
 * `expires_at`, and within the connection's policy as it is now — a policy turned off or shortened
 * stops serving older entries at once, whatever they were written with. The connection must be in
 * the key's workspace. This finds a result; it does not decide who may see it: the caller serves it
 * only to a reader who passed the results gate.
 */
export async function findFreshEntry(
  db: Db,
  vault: Vault,
  key: CacheKey,
  now: Date,
): Promise<{ ok: true; value: CacheEntry | null } | { ok: false; error: VaultError }> {
  const hash = await cacheKeyHash(db, vault, key);
  if (!hash.ok) return hash;
  const at = now.toISOString();
  const [entry] = await db
    .select({
      id: resultCacheEntries.id,
      workspaceId: resultCacheEntries.workspaceId,
      connectionId: resultCacheEntries.connectionId,
      rowCount: resultCacheEntries.rowCount,
      truncated: resultCacheEntries.truncated,
      createdAt: resultCacheEntries.createdAt,
      expiresAt: resultCacheEntries.expiresAt,
    })
    .from(resultCacheEntries)
    .innerJoin(
      connections,
      and(
        eq(connections.id, resultCacheEntries.connectionId),
        eq(connections.workspaceId, resultCacheEntries.workspaceId),
      ),
    )
    .where(
      and(
        eq(resultCacheEntries.workspaceId, key.workspaceId),
        eq(resultCacheEntries.connectionId, key.connectionId),
        eq(resultCacheEntries.keyHash, hash.value),
        eq(resultCacheEntries.complete, true),
        gt(resultCacheEntries.expiresAt, now),
        isNotNull(connections.cacheTtlSeconds),
        sql`${resultCacheEntries.createdAt} + ${connections.cacheTtlSeconds} * interval '1 second' > ${at}::timestamptz`,
      ),
    )
    .orderBy(desc(resultCacheEntries.createdAt))
    .limit(1);
  if (!entry || entry.rowCount === null) return { ok: true, value: null };
  return { ok: true, value: { ...entry, rowCount: entry.rowCount } };
}
