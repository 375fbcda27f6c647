import type {
  ConnectionFacts,
  MemberActor,
  ProjectFacts,
  ProjectGrant,
  WorkspaceAsset,
} from '@quarry/access';
import type { WorkspaceRole } from '@quarry/contracts';
import { and, eq } from 'drizzle-orm';
import type { Db } from './client';
import {
  connections,
  groupMembers,
  groups,
  projectConnections,
  projectGrants,
  projects,
  workspaceMembers,
} from './schema/index';

type ConnectionRow = typeof connections.$inferSelect;

/** A connection row's permission facts as the engine reads them, with the seed's defaults. */
export function connectionFacts(row: ConnectionRow): ConnectionFacts {
  return {
    id: row.id,
    name: row.name,
    canQuery: row.canQuery ?? 'workspace_default',
    canViewResults: row.canViewResults ?? 'everyone',
    canRefreshSchema: row.canRefreshSchema === 'admins_only' ? 'admins_only' : 'can_query',
  };
}

/** The member as the engine sees them, or null when they are not (or no longer) in the workspace. */
export async function loadMemberActor(
  db: Db,
  input: { workspaceId: string; userId: string },
): Promise<MemberActor | null> {
  const [member] = await db
    .select({ role: workspaceMembers.role, deactivatedAt: workspaceMembers.deactivatedAt })
    .from(workspaceMembers)
    .where(
      and(eq(workspaceMembers.workspaceId, input.workspaceId), eq(workspaceMembers.userId, input.userId)),
    );
  if (!member || member.deactivatedAt) return null;
  const memberships = await db
    .select({ groupId: groupMembers.groupId })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .where(
      and(
        eq(groupMembers.workspaceId, input.workspaceId),
        eq(groups.workspaceId, input.workspaceId),
        eq(groupMembers.userId, input.userId),
      ),
    );
  return {
    kind: 'member',
    userId: input.userId,
    role: member.role as WorkspaceRole,
    customGroupIds: memberships.map((m) => m.groupId),
  };
}

/**
 * Everything the permission engine needs to decide one member's permission on one project: the
 * grants, the assets the project uses and its connections' permissions. Null when the project is
 * not in this workspace (callers answer NOT_FOUND, never FORBIDDEN, so ids do not leak).
 */
export async function loadProjectFacts(
  db: Db,
  input: { workspaceId: string; projectId: string; actor: MemberActor },
): Promise<(ProjectFacts & { editorsCanShare: boolean }) | null> {
  const [project] = await db
    .select({ createdBy: projects.createdBy, editorsCanShare: projects.editorsCanShare })
    .from(projects)
    .where(and(eq(projects.id, input.projectId), eq(projects.workspaceId, input.workspaceId)));
  if (!project) return null;
  const [grants, imported] = await Promise.all([
    db.select().from(projectGrants).where(eq(projectGrants.projectId, input.projectId)),
    db
      .select({ connection: connections })
      .from(projectConnections)
      .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
      .where(
        and(
          eq(projectConnections.projectId, input.projectId),
          eq(connections.workspaceId, input.workspaceId),
        ),
      ),
  ]);
  const assets: WorkspaceAsset[] = imported.map(({ connection }) => ({
    kind: 'connection',
    id: connection.id,
    name: connection.name,
    groupsWithAccess: connection.groupsWithAccess,
  }));
  return {
    editorsCanShare: project.editorsCanShare,
    actor: input.actor,
    isProjectOwner: project.createdBy === input.actor.userId,
    grants: grants.flatMap((g): ProjectGrant[] => {
      const permission = g.permission as ProjectGrant['permission'];
      if (g.userId) return [{ to: { kind: 'user' as const, userId: g.userId }, permission }];
      if (g.groupId) return [{ to: { kind: 'group' as const, groupId: g.groupId }, permission }];
      return [];
    }),
    assets,
    connections: imported.map(({ connection }) => connectionFacts(connection)),
  };
}
