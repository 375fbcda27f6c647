import {
  BUILT_IN_GROUP_LABELS,
  canShareAtPermission,
  decideGrantChange,
  decideProjectPermission,
  decideShareManagement,
  type GrantChange,
  type GrantChannel,
  type MemberActor,
  type ProjectFacts,
} from '@quarry/access';
import {
  err,
  ok,
  type ProjectPermission,
  type ProjectSharing,
  type Result,
  type ShareEntry,
  type ShareTarget,
  type WorkspaceRole,
} from '@quarry/contracts';
import { newId } from '@quarry/db';
import { loadMemberActor } from '@quarry/db/access-facts';
import { groupMembers, groups, projectGrants, projects, users, workspaceMembers } from '@quarry/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import type { RequestInfo } from '../context';
import type { Deps } from '../deps';
import { notFound } from '../errors';
import { auditChange } from '../service-context';
import type { Actor } from '../trpc';

type Facts = ProjectFacts & { editorsCanShare: boolean };
type Scope = { id: string; facts: Facts; effective: ProjectPermission | 'none' };

const BUILT_IN = new Set(['workspace', 'workspace_guests', 'public']);

/**
 * The share dialog: every grant, and every member's effective permission with the reason for any
 * downgrade, decided by the same engine as the gate.
 */
export async function getSharing(deps: Deps, actor: Actor, project: Scope): Promise<ProjectSharing> {
  const { db } = deps;
  const [members, customGroups, memberships, grants] = await Promise.all([
    db
      .select({ userId: users.id, email: users.email, name: users.name, role: workspaceMembers.role })
      .from(workspaceMembers)
      .innerJoin(users, eq(users.id, workspaceMembers.userId))
      .where(
        and(eq(workspaceMembers.workspaceId, actor.workspaceId), isNull(workspaceMembers.deactivatedAt)),
      ),
    db.select().from(groups).where(eq(groups.workspaceId, actor.workspaceId)),
    db.select().from(groupMembers).where(eq(groupMembers.workspaceId, actor.workspaceId)),
    db.select().from(projectGrants).where(eq(projectGrants.projectId, project.id)),
  ]);
  const groupName = (id: string) =>
    BUILT_IN.has(id)
      ? BUILT_IN_GROUP_LABELS[id as keyof typeof BUILT_IN_GROUP_LABELS]
      : (customGroups.find((g) => g.id === id)?.name ?? id);
  const [owner] = await db
    .select({ createdBy: projects.createdBy })
    .from(projects)
    .where(eq(projects.id, project.id));

  // Whether the caller may change or remove each grant, decided by the same rules as `share`.
  const manages = decideShareManagement({
    effective: project.effective,
    editorsCanShare: project.facts.editorsCanShare,
  }).allowed;
  const canChange = (target: GrantChange['target'], current: ProjectPermission | 'none') =>
    manages &&
    decideGrantChange({ sharer: project.effective, target, current, next: 'none', channel: 'share' }).allowed;
  const directGrant = (userId: string) =>
    (grants.find((g) => g.userId === userId)?.permission ?? 'none') as ProjectPermission | 'none';

  const entries: ShareEntry[] = [];
  for (const grant of grants.filter((g) => g.groupId)) {
    const groupId = grant.groupId ?? '';
    const permission = grant.permission as ProjectPermission;
    entries.push({
      target: { kind: 'group', groupId, name: groupName(groupId) },
      granted: permission,
      effective: permission,
      reasons: [],
      canChange: canChange({ kind: 'group', groupId }, permission),
    });
  }
  for (const member of members) {
    const memberActor: MemberActor = {
      kind: 'member',
      userId: member.userId,
      role: member.role as WorkspaceRole,
      customGroupIds: memberships.filter((m) => m.userId === member.userId).map((m) => m.groupId),
    };
    const decision = decideProjectPermission({
      ...project.facts,
      actor: memberActor,
      isProjectOwner: owner?.createdBy === member.userId,
    });
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
      canChange: canChange({ kind: 'user' }, directGrant(member.userId)),
    });
  }
  return {
    projectId: project.id,
    editorsCanShare: project.facts.editorsCanShare,
    sharedWithWeb: grants.some((g) => g.groupId === 'public'),
    entries,
  };
}

/**
 * Grants (or with `none`, removes) a permission on the project through the share dialog. Refused
 * with the engine's reason for Public (that is "share with the web"), for a grant above the
 * sharer's own (before or after the change), and when the target could not use an asset the
 * project needs (the seed: "Hex will try to prevent you").
 */
export function shareProject(
  deps: Deps,
  actor: Actor,
  project: Scope,
  input: { target: ShareTarget; permission: ProjectPermission | 'none' },
  request: RequestInfo,
): Promise<Result<{ granted: ProjectPermission | 'none' }>> {
  return changeGrant(deps, actor, project, { ...input, channel: 'share' }, request);
}

/** "Share with the web": grants (or removes) Public Can view, the only way Public is ever granted. */
export function shareWithWeb(
  deps: Deps,
  actor: Actor,
  project: Scope,
  enabled: boolean,
  request: RequestInfo,
): Promise<Result<{ granted: ProjectPermission | 'none' }>> {
  return changeGrant(
    deps,
    actor,
    project,
    {
      target: { kind: 'group', groupId: 'public' },
      permission: enabled ? 'can_view' : 'none',
      channel: 'web',
    },
    request,
  );
}

const HINTS: Partial<Record<string, string>> = {
  'access.public_only_through_web': 'Turn on Share with the web in the share dialog (it needs Full access)',
  'access.change_above_own': 'Ask someone with Full access on the project to change it',
  'access.grant_above_own': 'Share at your own permission or below',
};

async function changeGrant(
  deps: Deps,
  actor: Actor,
  project: Scope,
  input: { target: ShareTarget; permission: ProjectPermission | 'none'; channel: GrantChannel },
  request: RequestInfo,
): Promise<Result<{ granted: ProjectPermission | 'none' }>> {
  const target = await resolveTarget(deps, actor, input.target);
  if (!target.ok) return target;
  const match =
    input.target.kind === 'user'
      ? eq(projectGrants.userId, input.target.userId)
      : eq(projectGrants.groupId, input.target.groupId);
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    // The row is locked while the rule is decided, so a concurrent change cannot slip between.
    const [current] = await tx
      .select({ permission: projectGrants.permission })
      .from(projectGrants)
      .where(and(eq(projectGrants.projectId, project.id), match))
      .for('update');
    const before = (current?.permission ?? 'none') as ProjectPermission | 'none';
    const check = decideGrantChange({
      sharer: project.effective,
      target:
        input.target.kind === 'user' ? { kind: 'user' } : { kind: 'group', groupId: input.target.groupId },
      current: before,
      next: input.permission,
      channel: input.channel,
    });
    if (!check.allowed) {
      const hint = HINTS[check.reason.code];
      return err({ ...check.reason, ...(hint ? { hint } : {}) });
    }
    if (input.permission !== 'none') {
      const assets = canShareAtPermission(project.facts, target.value, input.permission);
      if (!assets.allowed) {
        return err({
          ...assets.reason,
          hint: 'Share at Can explore or Can view, or ask an Admin to give them access',
        });
      }
    }
    await tx.delete(projectGrants).where(and(eq(projectGrants.projectId, project.id), match));
    if (input.permission !== 'none') {
      await tx.insert(projectGrants).values({
        id: newId('grant'),
        workspaceId: actor.workspaceId,
        projectId: project.id,
        userId: input.target.kind === 'user' ? input.target.userId : null,
        groupId: input.target.kind === 'group' ? input.target.groupId : null,
        permission: input.permission,
      });
    }
    await auditChange(
      tx,
      { deps, actor, request },
      {
        action: 'project.share',
        target: { type: 'project', id: project.id },
        details: { to: input.target, before, after: input.permission },
      },
      now,
    );
    return ok({ granted: input.permission });
  });
}

async function resolveTarget(
  deps: Deps,
  actor: Actor,
  target: ShareTarget,
): Promise<Result<MemberActor | { kind: 'group'; groupId: string }>> {
  if (target.kind === 'user') {
    const member = await loadMemberActor(deps.db, { workspaceId: actor.workspaceId, userId: target.userId });
    return member ? ok(member) : err(notFound('member'));
  }
  if (BUILT_IN.has(target.groupId)) return ok({ kind: 'group', groupId: target.groupId });
  const [group] = await deps.db
    .select({ id: groups.id })
    .from(groups)
    .where(and(eq(groups.id, target.groupId), eq(groups.workspaceId, actor.workspaceId)));
  return group ? ok({ kind: 'group', groupId: group.id }) : err(notFound('group'));
}

export async function setEditorsCanShare(
  deps: Deps,
  actor: Actor,
  projectId: string,
  enabled: boolean,
  request: RequestInfo,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await tx.update(projects).set({ editorsCanShare: enabled }).where(eq(projects.id, projectId));
    await auditChange(
      tx,
      { deps, actor, request },
      {
        action: 'project.editors_can_share',
        target: { type: 'project', id: projectId },
        details: { after: enabled },
      },
    );
  });
}
