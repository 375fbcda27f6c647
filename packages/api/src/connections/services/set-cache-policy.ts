import {
  type ConnectionCachePolicy,
  err,
  ok,
  type Result,
  type SetConnectionCachePolicyInput,
} from '@quarry/contracts';
import { connections, resultCacheEntries } from '@quarry/db/schema';
import { invalidateCache } from '@quarry/results';
import { and, eq, lte, sql } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { loadConnection } from './connection-record';

/**
 * Turns a connection's result cache off or sets its TTL (the gate let only those who manage the
 * connection through). Off deletes every cached result of the connection; a shorter TTL deletes
 * those already older than it. Reads check the policy as it is at read time too, so nothing is
 * served past the new policy even before this commits. Audited with the policy before and after.
 */
export async function setCachePolicy(
  ctx: ServiceContext,
  input: SetConnectionCachePolicyInput,
): Promise<Result<ConnectionCachePolicy>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  const changed = await ctx.deps.db.transaction(async (tx) => {
    const row = await loadConnection(tx, workspaceId, input.connectionId);
    if (!row) return null;
    await tx
      .update(connections)
      .set({ cacheTtlSeconds: input.ttlSeconds, updatedAt: now })
      .where(and(eq(connections.id, row.id), eq(connections.workspaceId, workspaceId)));
    let deleted: number;
    if (input.ttlSeconds === null) {
      deleted = await invalidateCache(tx, { workspaceId, connectionId: row.id });
    } else {
      const older = new Date(now.getTime() - input.ttlSeconds * 1000);
      const gone = await tx
        .delete(resultCacheEntries)
        .where(
          and(
            eq(resultCacheEntries.workspaceId, workspaceId),
            eq(resultCacheEntries.connectionId, row.id),
            lte(resultCacheEntries.createdAt, older),
          ),
        )
        .returning({ id: resultCacheEntries.id });
      // What stays never outlives the new policy either.
      await tx
        .update(resultCacheEntries)
        .set({
          expiresAt: sql`least(${resultCacheEntries.expiresAt}, ${resultCacheEntries.createdAt} + ${input.ttlSeconds} * interval '1 second')`,
        })
        .where(
          and(eq(resultCacheEntries.workspaceId, workspaceId), eq(resultCacheEntries.connectionId, row.id)),
        );
      deleted = gone.length;
    }
    await auditChange(
      tx,
      ctx,
      {
        action: 'connection.cache_policy',
        target: { type: 'connection', id: row.id },
        details: { name: row.name, ttlSeconds: input.ttlSeconds, previous: row.cacheTtlSeconds, deleted },
      },
      now,
    );
    return { deleted };
  });
  if (!changed) return err(notFound('connection'));
  return ok({ connectionId: input.connectionId, ttlSeconds: input.ttlSeconds, deleted: changed.deleted });
}
