import { err, type InvalidateCacheInput, type InvalidatedCache, ok, type Result } from '@quarry/contracts';
import { invalidateCache as deleteCached } from '@quarry/results';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { loadConnection } from './connection-record';

/**
 * Deletes cached results (the gate let only Admins through): one connection's, or the whole
 * workspace's when none is named. Nothing is served from them once this commits, and a run still
 * writing one stops writing it. Another workspace's connection id answers NOT_FOUND and deletes
 * nothing. Audited with how many entries went.
 */
export async function invalidateCache(
  ctx: ServiceContext,
  input: InvalidateCacheInput,
): Promise<Result<InvalidatedCache>> {
  const { workspaceId } = ctx.actor;
  const deleted = await ctx.deps.db.transaction(async (tx) => {
    const row = input.connectionId ? await loadConnection(tx, workspaceId, input.connectionId) : undefined;
    if (input.connectionId && !row) return null;
    const count = await deleteCached(tx, { workspaceId, ...(row ? { connectionId: row.id } : {}) });
    await auditChange(tx, ctx, {
      action: 'connection.cache_invalidate',
      target: row ? { type: 'connection', id: row.id } : { type: 'workspace', id: workspaceId },
      details: { ...(row ? { name: row.name } : {}), deleted: count },
    });
    return count;
  });
  if (deleted === null) return err(notFound('connection'));
  return ok({ deleted });
}
