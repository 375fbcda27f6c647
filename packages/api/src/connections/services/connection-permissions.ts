import { type ConnectionPermissions, err, ok, type Result } from '@quarry/contracts';
import { connections } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';
import { projectScopedPermissions } from './preview-permissions';

export const toConnectionPermissions = (row: typeof connections.$inferSelect): ConnectionPermissions => ({
  connectionId: row.id,
  name: row.name,
  groupsWithAccess: row.groupsWithAccess,
  canQuery: row.canQuery,
  canViewResults: row.canViewResults,
  canRefreshSchema: row.canRefreshSchema,
});

/** One connection's permission facts; another workspace's connection is NOT_FOUND. */
export async function connectionPermissions(
  ctx: ServiceContext,
  input: { connectionId: string },
): Promise<Result<ConnectionPermissions>> {
  const [row] = await ctx.deps.db
    .select()
    .from(connections)
    .where(and(eq(connections.id, input.connectionId), eq(connections.workspaceId, ctx.actor.workspaceId)));
  if (!row) return err(notFound('connection'));
  if (row.scope === 'project') return err(projectScopedPermissions);
  return ok(toConnectionPermissions(row));
}
