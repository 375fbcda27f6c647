import {
  type ConnectionPermissions,
  err,
  ok,
  type Result,
  type UpdateConnectionPermissionsInput,
} from '@quarry/contracts';
import { connections } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { checkWorkspaceGroups } from '../../groups/services/check-workspace-groups';
import { auditChange, type ServiceContext } from '../../service-context';
import { toConnectionPermissions } from './connection-permissions';
import { projectScopedPermissions } from './preview-permissions';

/**
 * Sets who may use a connection. Every custom group named must be this workspace's; the change and
 * its audit entry (before and after, without the name) land in one transaction.
 */
export async function updateConnectionPermissions(
  ctx: ServiceContext,
  input: UpdateConnectionPermissionsInput,
): Promise<Result<ConnectionPermissions>> {
  const { actor } = ctx;
  const named = await checkWorkspaceGroups(ctx.deps.db, {
    workspaceId: actor.workspaceId,
    groups: [...input.groupsWithAccess, ...(input.canQuery ?? []), ...(input.canViewResults ?? [])],
  });
  if (!named.ok) return named;
  const updated = await ctx.deps.db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(connections)
      .where(and(eq(connections.id, input.connectionId), eq(connections.workspaceId, actor.workspaceId)));
    if (!before) return null;
    if (before.scope === 'project') return 'project_scoped' as const;
    const [after] = await tx
      .update(connections)
      .set({
        groupsWithAccess: input.groupsWithAccess,
        canQuery: input.canQuery,
        canViewResults: input.canViewResults,
        canRefreshSchema: input.canRefreshSchema,
        updatedAt: ctx.deps.now(),
      })
      .where(eq(connections.id, before.id))
      .returning();
    if (!after) return null;
    const { name: _b, ...beforeFacts } = toConnectionPermissions(before);
    const { name: _a, ...afterFacts } = toConnectionPermissions(after);
    await auditChange(tx, ctx, {
      action: 'connection.permissions_change',
      target: { type: 'connection', id: before.id },
      details: { before: beforeFacts, after: afterFacts },
    });
    return after;
  });
  if (!updated) return err(notFound('connection'));
  if (updated === 'project_scoped') return err(projectScopedPermissions);
  return ok(toConnectionPermissions(updated));
}
