import { err, type MemberSummary, ok, type Result } from '@quarry/contracts';
import { workspaceMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { loadMember, memberSummary } from './member-summaries';
import { lockWorkspaceMembership } from './membership-lock';

/**
 * Lets a deactivated member sign in again. Their old sessions and tokens stay ended: they sign in
 * afresh and make new tokens.
 */
export async function reactivateMember(
  ctx: ServiceContext,
  input: { userId: string },
): Promise<Result<MemberSummary>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    await lockWorkspaceMembership(tx, workspaceId);
    const member = await loadMember(tx, { workspaceId, userId: input.userId });
    if (!member) return err(notFound('member'));
    if (!member.deactivatedAt) return ok(await memberSummary(tx, { workspaceId, userId: input.userId }));

    await tx
      .update(workspaceMembers)
      .set({ deactivatedAt: null })
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, input.userId)));
    await auditChange(
      tx,
      ctx,
      {
        action: 'member.reactivate',
        target: { type: 'user', id: input.userId },
        details: { before: { status: 'deactivated' }, after: { status: 'active' } },
      },
      now,
    );
    return ok(await memberSummary(tx, { workspaceId, userId: input.userId }));
  });
}
