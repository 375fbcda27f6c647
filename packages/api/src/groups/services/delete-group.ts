import { err, ok, type Result } from '@quarry/contracts';
import { connections, groupMembers, groups, projectGrants } from '@quarry/db/schema';
import { and, eq, or, sql } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { lockWorkspaceGroups } from './group-lock';
import { findGroup } from './group-summaries';

/**
 * Deletes a custom group with everything that pointed at it: its memberships, the projects shared
 * with it, and its place in the workspace connections' permission lists. Nobody gains access by it;
 * the group's members lose what they held only through it.
 */
export async function deleteCustomGroup(
  ctx: ServiceContext,
  input: { groupId: string },
): Promise<Result<{ deleted: true }>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    await lockWorkspaceGroups(tx, workspaceId);
    const group = await findGroup(tx, { workspaceId, groupId: input.groupId });
    if (!group) return err(notFound('group'));
    const id = group.id;

    const members = await tx
      .delete(groupMembers)
      .where(and(eq(groupMembers.workspaceId, workspaceId), eq(groupMembers.groupId, id)))
      .returning({ userId: groupMembers.userId });
    const grants = await tx
      .delete(projectGrants)
      .where(and(eq(projectGrants.workspaceId, workspaceId), eq(projectGrants.groupId, id)))
      .returning({ projectId: projectGrants.projectId, permission: projectGrants.permission });
    const touched = await tx
      .update(connections)
      .set({
        groupsWithAccess: sql`array_remove(${connections.groupsWithAccess}, ${id})`,
        canQuery: sql`array_remove(${connections.canQuery}, ${id})`,
        canViewResults: sql`array_remove(${connections.canViewResults}, ${id})`,
      })
      .where(
        and(
          eq(connections.workspaceId, workspaceId),
          or(
            sql`${id} = any(${connections.groupsWithAccess})`,
            sql`${id} = any(${connections.canQuery})`,
            sql`${id} = any(${connections.canViewResults})`,
          ),
        ),
      )
      .returning({ id: connections.id });
    await tx.delete(groups).where(and(eq(groups.workspaceId, workspaceId), eq(groups.id, id)));
    await auditChange(
      tx,
      ctx,
      {
        action: 'group.delete',
        target: { type: 'group', id },
        details: {
          before: {
            name: group.name,
            members: members.map((m) => m.userId),
            projectGrants: grants.map((g) => ({ projectId: g.projectId, permission: g.permission })),
            connections: touched.map((c) => c.id),
          },
          after: null,
        },
      },
      now,
    );
    return ok({ deleted: true as const });
  });
}
