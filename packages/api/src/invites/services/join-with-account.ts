import { createSession, invalidateSession, verifyDecoyPassword, verifyPassword } from '@quarry/auth';
import { err, type Me, ok, type Result } from '@quarry/contracts';
import { writeAuditEvent } from '@quarry/db/audit';
import { invites, users, workspaceMembers } from '@quarry/db/schema';
import { and, eq, sql } from 'drizzle-orm';
import { rateLimited, releaseAttempt, reserveAttempt, signInCounters } from '../../auth/rate-limit';
import { WRONG } from '../../auth/sign-in-service';
import type { RequestInfo } from '../../context';
import type { Deps } from '../../deps';
import { lockWorkspaceMembership } from '../../members/services/service-context';
import { alreadyMember, invalidInvite } from '../errors';
import { findValidInvite } from './find-valid-invite';

type Joined = { me: Me; token: string; expiresAt: Date };

/**
 * Accepts an invite for an email that already has an account (someone who belongs to another
 * workspace): the account's own password proves it is theirs. The check is a credential check like
 * sign-in (AUTH-7: charged to the email's and the address's counters before it runs). On success the
 * account joins with the invited role, the invite is used up, and a new session opens in the
 * workspace joined, ending the one the request came with (AUTH-3, AUTH-9).
 */
export async function joinWithAccount(
  deps: Deps,
  request: RequestInfo & { previousSessionId: string | null },
  input: { token: string; password: string },
): Promise<Result<Joined>> {
  const now = deps.now();
  const first = await findValidInvite(deps.db, { token: input.token, now });
  if (!first.valid) return err(invalidInvite());
  const email = first.invite.email.toLowerCase();
  const counters = signInCounters({ email, ip: request.ip });
  const reservation = await reserveAttempt(deps.db, counters, now);
  if (!reservation.allowed) return err(rateLimited(reservation.retryAfterMs));
  const [user] = await deps.db.select().from(users).where(sql`lower(${users.email}) = ${email}`).limit(1);
  const passwordOk =
    user?.passwordHash != null
      ? await verifyPassword(user.passwordHash, input.password)
      : await verifyDecoyPassword(input.password);
  if (!user || !passwordOk) {
    await deps.db.transaction((tx) =>
      writeAuditEvent(
        tx,
        {
          workspaceId: first.invite.workspaceId,
          actorId: user?.id ?? null,
          action: 'invite.accept',
          target: { type: 'invite', id: first.invite.id },
          outcome: 'failure',
          ip: request.ip,
          requestId: request.requestId,
          details: { reason: 'wrong_password' },
        },
        now,
      ),
    );
    return err(WRONG);
  }
  await releaseAttempt(deps.db, counters);

  return deps.db.transaction(async (tx): Promise<Result<Joined>> => {
    await lockWorkspaceMembership(tx, first.invite.workspaceId);
    // Again, under the row lock: of two acceptances at once, the second finds it used.
    const found = await findValidInvite(tx, { token: input.token, now, lock: true });
    if (!found.valid) return err(invalidInvite());
    const { invite } = found;
    const [existing] = await tx
      .select({ userId: workspaceMembers.userId })
      .from(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, invite.workspaceId), eq(workspaceMembers.userId, user.id)));
    if (existing) return err(alreadyMember(invite.email));
    await tx
      .insert(workspaceMembers)
      .values({ workspaceId: invite.workspaceId, userId: user.id, role: invite.role, createdAt: now });
    await tx.update(invites).set({ acceptedAt: now }).where(eq(invites.id, invite.id));
    if (request.previousSessionId) await invalidateSession(tx, request.previousSessionId);
    const session = await createSession(tx, {
      userId: user.id,
      workspaceId: invite.workspaceId,
      ip: request.ip,
      userAgent: request.userAgent,
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
          account: 'existing',
          before: { status: 'pending' },
          after: { status: 'accepted' },
        },
      },
      now,
    );
    return ok({
      token: session.token,
      expiresAt: session.expiresAt,
      me: {
        userId: user.id,
        email: user.email,
        name: user.name,
        workspace: { id: invite.workspaceId, name: found.workspaceName, role: invite.role },
      },
    });
  });
}
