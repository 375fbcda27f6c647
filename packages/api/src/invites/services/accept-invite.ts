import { createSession, hashPassword } from '@quarry/auth';
import { err, type Me, ok, type Result } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { writeAuditEvent } from '@quarry/db/audit';
import { invites, users, workspaceMembers } from '@quarry/db/schema';
import { eq, sql } from 'drizzle-orm';
import type { RequestInfo } from '../../context';
import type { Deps } from '../../deps';
import { lockWorkspaceMembership, type Tx } from '../../members/services/service-context';
import { invalidInvite, signInFirst } from '../errors';
import { findValidInvite, type InviteLookup } from './find-valid-invite';

type Accepted = { me: Me; token: string; expiresAt: Date };
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
 * invite used (single use) and opens a brand-new session (AUTH-3). An email that already has an
 * account is refused for now: that person signs in first (account merging comes later).
 */
export async function acceptInvite(
  deps: Deps,
  request: RequestInfo,
  input: { token: string; name: string; password: string },
): Promise<Result<Accepted>> {
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
  if (await emailTaken(deps.db, first.invite.email)) return err(signInFirst());
  const passwordHash = await hashPassword(input.password);

  return deps.db.transaction(async (tx): Promise<Result<Accepted>> => {
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
    await tx
      .insert(workspaceMembers)
      .values({ workspaceId: invite.workspaceId, userId, role: invite.role, createdAt: now });
    await tx.update(invites).set({ acceptedAt: now }).where(eq(invites.id, invite.id));
    const session = await createSession(tx, {
      userId,
      workspaceId: invite.workspaceId,
      ip: request.ip,
      userAgent: request.userAgent,
      now,
    });
    await writeAuditEvent(
      tx,
      {
        ...entry(invite),
        actorId: userId,
        outcome: 'success',
        details: {
          role: invite.role,
          invitedBy: invite.invitedBy,
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
        userId,
        email: invite.email,
        name: input.name,
        workspace: { id: invite.workspaceId, name: found.workspaceName, role: invite.role },
      },
    });
  });
}
