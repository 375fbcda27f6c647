import { decideConnectionPermissionChange, type MemberActor } from '@quarry/access';
import {
  err,
  ok,
  type PermissionChangePreview,
  type QuarryError,
  type Result,
  type UpdateConnectionPermissionsInput,
} from '@quarry/contracts';
import { loadProjectsFacts } from '@quarry/db/access-facts';
import { groupMembers, users, workspaceMembers } from '@quarry/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import { notFound } from '../../errors';
import { checkWorkspaceGroups } from '../../groups/services/check-workspace-groups';
import type { ServiceContext } from '../../service-context';
import { loadConnection, usageOf } from './connection-record';

export const projectScopedPermissions: QuarryError = {
  code: 'connections.project_scoped',
  message: 'A project connection’s permissions follow its project',
  hint: 'Share the project instead',
};

/**
 * What a permissions change would do, before it is saved (Admins): for every active member and
 * every project importing the connection, the engine's permission now and with the proposed facts,
 * listing only the changes, with the engine's reasons for the new permission.
 */
export async function previewConnectionPermissions(
  ctx: ServiceContext,
  input: UpdateConnectionPermissionsInput,
): Promise<Result<PermissionChangePreview>> {
  const { db } = ctx.deps;
  const { workspaceId } = ctx.actor;
  const row = await loadConnection(db, workspaceId, input.connectionId);
  if (!row) return err(notFound('connection'));
  if (row.scope === 'project') return err(projectScopedPermissions);
  const named = await checkWorkspaceGroups(db, {
    workspaceId,
    groups: [...input.groupsWithAccess, ...(input.canQuery ?? []), ...(input.canViewResults ?? [])],
  });
  if (!named.ok) return named;
  const usage = await usageOf(db, workspaceId, row.id);
  if (usage.length === 0) return ok({ changes: [] });
  const [members, memberships] = await Promise.all([
    db
      .select({ userId: users.id, name: users.name, email: users.email, role: workspaceMembers.role })
      .from(workspaceMembers)
      .innerJoin(users, eq(users.id, workspaceMembers.userId))
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), isNull(workspaceMembers.deactivatedAt))),
    db
      .select({ userId: groupMembers.userId, groupId: groupMembers.groupId })
      .from(groupMembers)
      .where(eq(groupMembers.workspaceId, workspaceId)),
  ]);
  const proposed = {
    connection: {
      id: row.id,
      name: row.name,
      canQuery: input.canQuery ?? ('workspace_default' as const),
      canViewResults: input.canViewResults ?? ('everyone' as const),
      canRefreshSchema: input.canRefreshSchema,
    },
    groupsWithAccess: input.groupsWithAccess,
  };
  const projectIds = usage.map((u) => u.projectId);
  const names = new Map(usage.map((u) => [u.projectId, u.name]));
  const changes: PermissionChangePreview['changes'] = [];
  for (const person of members) {
    const actor: MemberActor = {
      kind: 'member',
      userId: person.userId,
      role: person.role,
      customGroupIds: memberships.filter((m) => m.userId === person.userId).map((m) => m.groupId),
    };
    const facts = await loadProjectsFacts(db, { workspaceId, projectIds, actor });
    for (const [projectId, projectFacts] of facts) {
      const { before, after } = decideConnectionPermissionChange({ facts: projectFacts, proposed });
      if (before.effective === after.effective) continue;
      changes.push({
        userId: person.userId,
        name: person.name,
        email: person.email,
        projectId,
        projectName: names.get(projectId) ?? '',
        before: before.effective,
        after: after.effective,
        reasons: after.reasons,
      });
    }
  }
  return ok({ changes });
}
