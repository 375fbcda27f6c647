import { revokeUserCredentials } from '@quarry/auth';
import { err, ok, type Result } from '@quarry/contracts';
import { groupMembers, projectGrants, workspaceMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { lastAdmin, notOnYourself } from '../errors';
import { isLastActiveAdmin } from './active-admins';
import { loadMember } from './member-summaries';
import { lockWorkspaceMembership } from './membership-lock';

/**
 * Removes a member from the workspace: their membership, their custom-group memberships and the
 * projects shared with them by name go, and every session and API token they hold in this workspace
 * ends (AUTH-3). The account itself stays (the audit log names it). Nobody removes themselves or
 * the last active Admin.
 */
export async function removeMember(
  ctx: ServiceContext,
  input: { userId: string },
): Promise<Result<{ removed: true }>> {
  const { workspaceId } = ctx.actor;
  const { userId } = input;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    await lockWorkspaceMembership(tx, workspaceId);
    const member = await loadMember(tx, { workspaceId, userId });
    if (!member) return err(notFound('member'));
    if (userId === ctx.actor.userId) return err(notOnYourself('remove'));
    if (await isLastActiveAdmin(tx, { workspaceId, member })) return err(lastAdmin());

    const leftGroups = await tx
      .delete(groupMembers)
      .where(and(eq(groupMembers.workspaceId, workspaceId), eq(groupMembers.userId, userId)))
      .returning({ groupId: groupMembers.groupId });
    const droppedGrants = await tx
      .delete(projectGrants)
      .where(and(eq(projectGrants.workspaceId, workspaceId), eq(projectGrants.userId, userId)))
      .returning({ id: projectGrants.id, projectId: projectGrants.projectId });
    await tx
      .delete(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
    const revoked = await revokeUserCredentials(tx, { userId, workspaceId, now });
    await auditChange(
      tx,
      ctx,
      {
        action: 'member.remove',
        target: { type: 'user', id: userId },
        details: {
          before: {
            role: member.role,
            status: member.deactivatedAt ? 'deactivated' : 'active',
            groups: leftGroups.map((g) => g.groupId),
            projectsSharedByName: droppedGrants.map((g) => g.projectId),
          },
          after: null,
          sessionsEnded: revoked.sessions,
          tokensRevoked: revoked.tokens,
        },
      },
      now,
    );
    return ok({ removed: true as const });
  });
}
