import { hashPassword } from '@quarry/auth';
import { err, ok, type Result } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { writeAuditEvent } from '@quarry/db/audit';
import { type invites, users } from '@quarry/db/schema';
import { sql } from 'drizzle-orm';
import type { SignedIn } from '../../auth/services/open-session';
import type { RequestInfo } from '../../context';
import type { Deps } from '../../deps';
import { lockWorkspaceMembership } from '../../members/services/membership-lock';
import type { Tx } from '../../service-context';
import { invalidInvite, signInFirst } from '../errors';
import { admitInvitee } from './admit-invitee';
import { findValidInvite, type InviteLookup } from './find-valid-invite';

type InviteRow = typeof invites.$inferSelect;

const emailTaken = async (db: Pick<Tx, 'select'>, email: string): Promise<boolean> => {
  const [user] = await db
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.email}) = ${email.toLowerCase()}`)
    .limit(1);
  return user !== undefined;
};

/**
 * Accepts an invite: creates the account (argon2id), the membership with the invited role, marks the
 * invite used (single use) and opens a brand-new session (AUTH-3), ending the request's own. An
 * email that already has an account is refused: its owner joins with that account's password
 * (invites.join).
 */
export async function acceptInvite(
  deps: Deps,
  request: RequestInfo & { previousSessionId: string | null },
  input: { token: string; name: string; password: string },
): Promise<Result<SignedIn>> {
  const now = deps.now();
  const entry = (invite: InviteRow) => ({
    workspaceId: invite.workspaceId,
    action: 'invite.accept',
    target: { type: 'invite', id: invite.id },
    ip: request.ip,
    requestId: request.requestId,
  });
  const refuse = async (found: Extract<InviteLookup, { valid: false }>) => {
    // Only an invite we know goes on the record (its workspace's chain); a made-up id is noise.
    const { invite } = found;
    if (invite) {
      await deps.db.transaction((tx) =>
        writeAuditEvent(
          tx,
          { ...entry(invite), actorId: null, outcome: 'failure', details: { reason: found.reason } },
          now,
        ),
      );
    }
    return err(invalidInvite());
  };

  // The cheap checks first, so a bad link costs no argon2 work.
  const first = await findValidInvite(deps.db, { token: input.token, now });
  if (!first.valid) return refuse(first);
  if (await emailTaken(deps.db, first.invite.email)) {
    // The account may be this very link's, made by an acceptance that committed since the lookup
    // above: a used link answers as used, so two acceptances at once always see the same refusal.
    const again = await findValidInvite(deps.db, { token: input.token, now });
    return again.valid ? err(signInFirst()) : refuse(again);
  }
  const passwordHash = await hashPassword(input.password);

  return deps.db.transaction(async (tx): Promise<Result<SignedIn>> => {
    await lockWorkspaceMembership(tx, first.invite.workspaceId);
    // Again, under the row lock: of two acceptances at once, the second finds it used.
    const found = await findValidInvite(tx, { token: input.token, now, lock: true });
    if (!found.valid) return err(invalidInvite());
    const { invite } = found;
    if (await emailTaken(tx, invite.email)) return err(signInFirst());

    const userId = newId('user');
    await tx
      .insert(users)
      .values({ id: userId, email: invite.email, name: input.name, passwordHash, createdAt: now });
    return ok(
      await admitInvitee(tx, {
        invite,
        workspaceName: found.workspaceName,
        user: { id: userId, email: invite.email, name: input.name },
        account: 'new',
        request,
        now,
      }),
    );
  });
}
