import { verifyDecoyPassword, verifyPassword } from '@quarry/auth';
import { err, ok, type Result } from '@quarry/contracts';
import { writeAuditEvent } from '@quarry/db/audit';
import { users, workspaceMembers } from '@quarry/db/schema';
import { and, eq, sql } from 'drizzle-orm';
import { invalidCredentials } from '../../auth/errors';
import { activeMemberships } from '../../auth/services/memberships';
import type { SignedIn } from '../../auth/services/open-session';
import { rateLimited, releaseAttempt, reserveAttempt, signInCounters } from '../../auth/services/rate-limit';
import type { RequestInfo } from '../../context';
import type { Deps } from '../../deps';
import { lockWorkspaceMembership } from '../../members/services/membership-lock';
import { passwordSignInAllowed } from '../../sso/password-sign-in-allowed';
import { alreadyMember, invalidInvite } from '../errors';
import { admitInvitee } from './admit-invitee';
import { findValidInvite } from './find-valid-invite';

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
): Promise<Result<SignedIn>> {
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
  // Like sign-in, a right password is confirmed only to someone it lets in somewhere: an account
  // whose every workspace requires single sign-on of them gets a wrong password's answer (AUTH-6).
  const memberships = user && passwordOk ? await activeMemberships(deps, user.id) : [];
  const passwordUsable =
    memberships.length === 0 ||
    memberships.some((m) => passwordSignInAllowed({ role: m.role, ssoRequired: m.workspace.ssoRequired }));
  if (!user || !passwordOk || !passwordUsable) {
    await deps.db.transaction((tx) =>
      writeAuditEvent(
        tx,
        {
          workspaceId: first.invite.workspaceId,
          // Not the account's id: the inviting workspace must not learn whether the email has one.
          actorId: null,
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
    return err(invalidCredentials());
  }
  await releaseAttempt(deps.db, counters);

  return deps.db.transaction(async (tx): Promise<Result<SignedIn>> => {
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
    return ok(
      await admitInvitee(tx, {
        invite,
        workspaceName: found.workspaceName,
        user,
        account: 'existing',
        request,
        now,
      }),
    );
  });
}
