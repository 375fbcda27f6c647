import { secretMatches } from '@quarry/auth';
import { invites, workspaces } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import type { Tx } from '../../service-context';
import { inviteStatus } from './invite-summaries';
import { parseInviteToken } from './invite-token';

type InviteRow = typeof invites.$inferSelect;

/** Why a presented token does not open an invite; the caller hears only `invites.invalid`. */
export type InviteRefusal = 'malformed' | 'unknown' | 'bad_secret' | 'expired' | 'accepted' | 'revoked';

export type InviteLookup =
  | { valid: true; invite: InviteRow; workspaceName: string }
  | { valid: false; reason: InviteRefusal; invite: InviteRow | null };

/**
 * Resolves a presented `inv_<id>.<secret>` token to a pending, unexpired invite. The secret is
 * compared as a hash in constant time. `lock` takes the row for update, so one acceptance wins.
 */
export async function findValidInvite(
  db: Pick<Tx, 'select'>,
  input: { token: string; now: Date; lock?: boolean },
): Promise<InviteLookup> {
  const parsed = parseInviteToken(input.token);
  if (!parsed) return { valid: false, reason: 'malformed', invite: null };
  const query = db
    .select({ invite: invites, workspaceName: workspaces.name })
    .from(invites)
    .innerJoin(workspaces, eq(workspaces.id, invites.workspaceId))
    .where(eq(invites.id, parsed.inviteId));
  const [row] = input.lock ? await query.for('update', { of: invites }) : await query;
  if (!row) return { valid: false, reason: 'unknown', invite: null };
  if (!secretMatches(parsed.secret, row.invite.secretHash)) {
    return { valid: false, reason: 'bad_secret', invite: row.invite };
  }
  const status = inviteStatus(row.invite, input.now);
  if (status !== 'pending') return { valid: false, reason: status, invite: row.invite };
  return { valid: true, invite: row.invite, workspaceName: row.workspaceName };
}
