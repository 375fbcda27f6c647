import {
  decideGrantChange,
  decideProjectPermission,
  decideShareManagement,
  type GrantChange,
  grantablePermissions,
  grantRoutes,
  type MemberActor,
  type ProjectAccess,
  projectCapabilities,
} from '@quarry/access';
import type { ProjectSharing, ShareEntry, ShareRoute } from '@quarry/contracts';
import { groupMembers, groups, projectGrants, projects, users, workspaceMembers } from '@quarry/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';
import type { ProjectScope } from '../../trpc';
import { builtInGroupLabel } from './share-targets';

/**
 * The share dialog: every grant, every member's effective permission with the reason for any
 * downgrade and the routes by which grants reach them, decided by the same engine as the gate, and
 * what the caller may change.
 */
export async function getSharing(ctx: ServiceContext, scope: ProjectScope): Promise<ProjectSharing> {
  const { db } = ctx.deps;
  const { workspaceId } = ctx.actor;
  const [members, customGroups, memberships, grants, [owner]] = await Promise.all([
    db
      .select({ userId: users.id, email: users.email, name: users.name, role: workspaceMembers.role })
      .from(workspaceMembers)
      .innerJoin(users, eq(users.id, workspaceMembers.userId))
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), isNull(workspaceMembers.deactivatedAt))),
    db.select({ id: groups.id, name: groups.name }).from(groups).where(eq(groups.workspaceId, workspaceId)),
    db.select().from(groupMembers).where(eq(groupMembers.workspaceId, workspaceId)),
    db.select().from(projectGrants).where(eq(projectGrants.projectId, scope.id)),
    db
      .select({ createdBy: projects.createdBy })
      .from(projects)
      .where(and(eq(projects.id, scope.id), eq(projects.workspaceId, workspaceId))),
  ]);
  const groupName = (id: string) =>
    builtInGroupLabel(id) ?? customGroups.find((g) => g.id === id)?.name ?? id;
  const { facts } = scope;
  const effective = scope.decision.effective;

  // Whether the caller may change or remove each grant, decided by the same rules as `share`.
  const manages = decideShareManagement({ effective, editorsCanShare: facts.editorsCanShare }).allowed;
  const canChange = (target: GrantChange['target'], current: ProjectAccess) =>
    manages &&
    decideGrantChange({ sharer: effective, target, current, next: 'none', channel: 'share' }).allowed;
  const directGrant = (userId: string): ProjectAccess =>
    grants.find((g) => g.userId === userId)?.permission ?? 'none';

  const entries: ShareEntry[] = [];
  for (const grant of grants) {
    if (!grant.groupId) continue;
    const { permission } = grant;
    const target = { kind: 'group' as const, groupId: grant.groupId };
    const changeable = canChange(target, permission);
    entries.push({
      target: { ...target, name: groupName(grant.groupId) },
      granted: permission,
      effective: permission,
      reasons: [],
      canChange: changeable,
      via: [],
      canRemove: changeable,
    });
  }
  for (const member of members) {
    const memberActor: MemberActor = {
      kind: 'member',
      userId: member.userId,
      role: member.role,
      customGroupIds: memberships.filter((m) => m.userId === member.userId).map((m) => m.groupId),
    };
    const memberFacts = { ...facts, actor: memberActor, isProjectOwner: owner?.createdBy === member.userId };
    const decision = decideProjectPermission(memberFacts);
    const direct = directGrant(member.userId);
    const changeable = canChange({ kind: 'user' }, direct);
    entries.push({
      target: {
        kind: 'user',
        userId: member.userId,
        email: member.email,
        name: member.name,
        role: member.role,
      },
      granted: decision.granted,
      effective: decision.effective,
      reasons: decision.reasons,
      canChange: changeable,
      via: grantRoutes(memberFacts).map(
        (route): ShareRoute =>
          route.kind === 'group' ? { ...route, name: groupName(route.groupId) } : route,
      ),
      // Removing deletes the person's own grant; without one there is nothing Remove would change.
      canRemove: changeable && direct !== 'none',
    });
  }
  const role = facts.actor.kind === 'member' ? facts.actor.role : null;
  return {
    projectId: scope.id,
    editorsCanShare: facts.editorsCanShare,
    sharedWithWeb: grants.some((g) => g.groupId === 'public'),
    can: projectCapabilities({ effective, editorsCanShare: facts.editorsCanShare, role }),
    grantable: grantablePermissions({ effective, editorsCanShare: facts.editorsCanShare }),
    entries,
  };
}
