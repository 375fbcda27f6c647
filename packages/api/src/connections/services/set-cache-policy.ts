import {
  type ConnectionCachePolicy,
  err,
  ok,
  type Result,
  type SetConnectionCachePolicyInput,
} from '@quarry/contracts';
import { connections } from '@quarry/db/schema';
import { invalidateCache } from '@quarry/results';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { loadConnection } from './connection-record';

/**
 * Turns a connection's result cache off or sets its TTL (the gate let only those who manage the
 * connection through). Like any edit of the connection, it starts the cache afresh: the results
 * cached so far are deleted (they are keyed by the connection's version, which this changes). Reads
 * check the policy as it is at read time too. Audited with the policy before and after.
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
    // The connection's version changed with it: what was cached before is never served again,
    // so it goes now rather than at its expiry (data minimisation).
    const deleted = await invalidateCache(tx, { workspaceId, connectionId: row.id });
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
