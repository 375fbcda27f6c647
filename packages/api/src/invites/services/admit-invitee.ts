import { writeAuditEvent } from '@quarry/db/audit';
import { invites, workspaceMembers } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { openSession, type SignedIn } from '../../auth/services/open-session';
import type { RequestInfo } from '../../context';
import type { Tx } from '../../service-context';

type InviteRow = typeof invites.$inferSelect;

/**
 * The end of every acceptance, new account or existing: the membership with the invited role, the
 * invite used up, a session in the workspace joined (ending the request's own), and the audit entry,
 * all in the caller's transaction, under the invite's row lock.
 */
export async function admitInvitee(
  tx: Tx,
  input: {
    invite: InviteRow;
    workspaceName: string;
    user: { id: string; email: string; name: string };
    account: 'new' | 'existing';
    request: RequestInfo & { previousSessionId: string | null };
    now: Date;
  },
): Promise<SignedIn> {
  const { invite, user, request, now } = input;
  await tx
    .insert(workspaceMembers)
    .values({ workspaceId: invite.workspaceId, userId: user.id, role: invite.role, createdAt: now });
  await tx.update(invites).set({ acceptedAt: now }).where(eq(invites.id, invite.id));
  const signedIn = await openSession(tx, {
    user,
    workspace: { id: invite.workspaceId, name: input.workspaceName },
    role: invite.role,
    request,
    now,
  });
  await writeAuditEvent(
    tx,
    {
      workspaceId: invite.workspaceId,
      actorId: user.id,
      action: 'invite.accept',
      target: { type: 'invite', id: invite.id },
      outcome: 'success',
      ip: request.ip,
      requestId: request.requestId,
      details: {
        role: invite.role,
        invitedBy: invite.invitedBy,
        account: input.account,
        before: { status: 'pending' },
        after: { status: 'accepted' },
      },
    },
    now,
  );
  return signedIn;
}
