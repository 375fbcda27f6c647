import type { Db } from '@quarry/db';
import { connections, resultCacheEntries } from '@quarry/db/schema';
import { and, eq, inArray, isNull, lte, not, or, sql } from 'drizzle-orm';
import { INCOMPLETE_CACHE_ENTRY_MAX_AGE_MS } from './cache-format';

/**
 * Deletes a workspace's cached results (one connection's, when named), complete or still being
 * written: nothing is served from them after this returns, and a run still writing one stops
 * (its next chunk has no entry to join). Answers how many entries went.
 */
export async function invalidateCache(
  db: Pick<Db, 'delete'>,
  input: { workspaceId: string; connectionId?: string },
): Promise<number> {
  const deleted = await db
    .delete(resultCacheEntries)
    .where(
      and(
        eq(resultCacheEntries.workspaceId, input.workspaceId),
        ...(input.connectionId ? [eq(resultCacheEntries.connectionId, input.connectionId)] : []),
      ),
    )
    .returning({ id: resultCacheEntries.id });
  return deleted.length;
}

/**
 * Deletes every entry that may no longer be served (data minimisation): past its `expires_at`,
 * past its connection's policy as it is now (turned off or shortened), or left incomplete longer
 * than a run could still be writing it. The runner calls it from the `run.chunks.sweep` schedule;
 * answers how many went.
 */
export async function sweepExpiredCache(db: Db, now: Date): Promise<number> {
  const at = now.toISOString();
  const abandonedBefore = new Date(now.getTime() - INCOMPLETE_CACHE_ENTRY_MAX_AGE_MS);
  const stale = db
    .select({ id: resultCacheEntries.id })
    .from(resultCacheEntries)
    .leftJoin(
      connections,
      and(
        eq(connections.id, resultCacheEntries.connectionId),
        eq(connections.workspaceId, resultCacheEntries.workspaceId),
      ),
    )
    .where(
      or(
        lte(resultCacheEntries.expiresAt, now),
        isNull(connections.cacheTtlSeconds),
        sql`${resultCacheEntries.createdAt} + ${connections.cacheTtlSeconds} * interval '1 second' <= ${at}::timestamptz`,
        and(not(resultCacheEntries.complete), lte(resultCacheEntries.createdAt, abandonedBefore)),
      ),
    );
  const deleted = await db
    .delete(resultCacheEntries)
    .where(inArray(resultCacheEntries.id, stale))
    .returning({ id: resultCacheEntries.id });
  return deleted.length;
}
