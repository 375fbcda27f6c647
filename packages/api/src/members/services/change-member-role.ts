import { revokeUserSessions } from '@quarry/auth';
import { err, type MemberSummary, ok, type Result, type WorkspaceRole } from '@quarry/contracts';
import { workspaceMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { lastAdmin } from '../errors';
import { isLastActiveAdmin } from './active-admins';
import { loadMember, memberSummary } from './member-summaries';
import { lockWorkspaceMembership } from './membership-lock';

/**
 * Gives a member another role. Rotation on privilege change: their sessions in this workspace end,
 * so they sign in again to act with the new role. Their API tokens keep working and act with the
 * new role at once, because a token reads its owner's role on every call.
 */
export async function changeMemberRole(
  ctx: ServiceContext,
  input: { userId: string; role: WorkspaceRole },
): Promise<Result<MemberSummary>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    await lockWorkspaceMembership(tx, workspaceId);
    const member = await loadMember(tx, { workspaceId, userId: input.userId });
    if (!member) return err(notFound('member'));
    if (member.role === input.role) return ok(await memberSummary(tx, { workspaceId, userId: input.userId }));
    if (input.role !== 'admin' && (await isLastActiveAdmin(tx, { workspaceId, member })))
      return err(lastAdmin());

    await tx
      .update(workspaceMembers)
      .set({ role: input.role })
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, input.userId)));
    const sessionsEnded = await revokeUserSessions(tx, { userId: input.userId, workspaceId });
    await auditChange(
      tx,
      ctx,
      {
        action: 'member.change_role',
        target: { type: 'user', id: input.userId },
        details: { before: { role: member.role }, after: { role: input.role }, sessionsEnded },
      },
      now,
    );
    return ok(await memberSummary(tx, { workspaceId, userId: input.userId }));
  });
}
