import type { InviteSummary } from '@quarry/contracts';
import type { invites } from '@quarry/db/schema';

type InviteRow = typeof invites.$inferSelect;

export function inviteStatus(row: InviteRow, now: Date): InviteSummary['status'] {
  if (row.revokedAt) return 'revoked';
  if (row.acceptedAt) return 'accepted';
  if (now >= row.expiresAt) return 'expired';
  return 'pending';
}

export const toInviteSummary = (row: InviteRow, now: Date): InviteSummary => ({
  id: row.id,
  email: row.email,
  role: row.role,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  status: inviteStatus(row, now),
});
