import { type AssetUsage, err, ok, type Result } from '@quarry/contracts';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';
import { loadConnection, usageOf } from './connection-record';

/** The projects importing a connection, for its Usage column and the delete confirmation. */
export async function connectionUsage(
  ctx: ServiceContext,
  input: { connectionId: string },
): Promise<Result<AssetUsage>> {
  const row = await loadConnection(ctx.deps.db, ctx.actor.workspaceId, input.connectionId);
  if (!row) return err(notFound('connection'));
  return ok(await usageOf(ctx.deps.db, ctx.actor.workspaceId, row.id));
}
