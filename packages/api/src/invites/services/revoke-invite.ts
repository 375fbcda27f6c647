import { err, type InviteSummary, ok, type Result } from '@quarry/contracts';
import { invites } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { notPending } from '../errors';
import { inviteStatus, toInviteSummary } from './invite-summaries';

/** Stops an invite's link from working. Accepted or already revoked invites stay as they are. */
export async function revokeInvite(
  ctx: ServiceContext,
  input: { inviteId: string },
): Promise<Result<InviteSummary>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    const [invite] = await tx
      .select()
      .from(invites)
      .where(and(eq(invites.workspaceId, workspaceId), eq(invites.id, input.inviteId)))
      .for('update');
    if (!invite) return err(notFound('invite'));
    const status = inviteStatus(invite, now);
    if (status === 'accepted' || status === 'revoked') return err(notPending(status));
    const [row] = await tx
      .update(invites)
      .set({ revokedAt: now })
      .where(and(eq(invites.workspaceId, workspaceId), eq(invites.id, invite.id)))
      .returning();
    if (!row) throw new Error('invite update returned no row');
    await auditChange(
      tx,
      ctx,
      {
        action: 'invite.revoke',
        target: { type: 'invite', id: invite.id },
        details: { before: { status }, after: { status: 'revoked' } },
      },
      now,
    );
    return ok(toInviteSummary(row, now));
  });
}
