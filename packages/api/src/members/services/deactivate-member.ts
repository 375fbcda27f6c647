import { revokeUserCredentials } from '@quarry/auth';
import { err, type MemberSummary, ok, type Result } from '@quarry/contracts';
import { workspaceMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { lastAdmin, notOnYourself } from '../errors';
import { isLastActiveAdmin } from './active-admins';
import { loadMember, memberSummary } from './member-summaries';
import { lockWorkspaceMembership } from './membership-lock';

/**
 * Deactivates a member of this workspace: they can no longer act in it, and every session and API
 * token they hold for it ends at once (AUTH-3). Only this membership changes (AUTH-9): the same
 * person's access to other workspaces is not this workspace's to end. Nobody deactivates themselves
 * or the last active Admin.
 */
export async function deactivateMember(
  ctx: ServiceContext,
  input: { userId: string },
): Promise<Result<MemberSummary>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    await lockWorkspaceMembership(tx, workspaceId);
    const member = await loadMember(tx, { workspaceId, userId: input.userId });
    if (!member) return err(notFound('member'));
    if (input.userId === ctx.actor.userId) return err(notOnYourself('deactivate'));
    if (member.deactivatedAt) return ok(await memberSummary(tx, { workspaceId, userId: input.userId }));
    if (await isLastActiveAdmin(tx, { workspaceId, member })) return err(lastAdmin());

    await tx
      .update(workspaceMembers)
      .set({ deactivatedAt: now })
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, input.userId)));
    const revoked = await revokeUserCredentials(tx, { userId: input.userId, workspaceId, now });
    await auditChange(
      tx,
      ctx,
      {
        action: 'member.deactivate',
        target: { type: 'user', id: input.userId },
        details: {
          before: { status: 'active' },
          after: { status: 'deactivated' },
          sessionsEnded: revoked.sessions,
          tokensRevoked: revoked.tokens,
        },
      },
      now,
    );
    return ok(await memberSummary(tx, { workspaceId, userId: input.userId }));
  });
}
