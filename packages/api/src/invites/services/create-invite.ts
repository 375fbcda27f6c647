import {
  type CreatedInvite,
  err,
  INVITE_TTL_DAYS,
  ok,
  type Result,
  type WorkspaceRole,
} from '@quarry/contracts';
import { invites, users, workspaceMembers } from '@quarry/db/schema';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { lockWorkspaceMembership } from '../../members/services/membership-lock';
import { auditChange, type ServiceContext } from '../../service-context';
import { alreadyMember } from '../errors';
import { toInviteSummary } from './invite-summaries';
import { inviteLink, newInviteToken } from './invite-token';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Invites an email to the workspace with a role. The link carries a single-use secret, returned
 * here once; only its SHA-256 is stored. A newer invite to the same email replaces a pending one.
 */
export async function createInvite(
  ctx: ServiceContext,
  input: { email: string; role: WorkspaceRole },
): Promise<Result<z.infer<typeof CreatedInvite>>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    await lockWorkspaceMembership(tx, workspaceId);
    const [member] = await tx
      .select({ userId: users.id })
      .from(workspaceMembers)
      .innerJoin(users, eq(users.id, workspaceMembers.userId))
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), sql`lower(${users.email}) = ${input.email}`))
      .limit(1);
    if (member) return err(alreadyMember(input.email));

    const replaced = await tx
      .update(invites)
      .set({ revokedAt: now })
      .where(
        and(
          eq(invites.workspaceId, workspaceId),
          sql`lower(${invites.email}) = ${input.email}`,
          isNull(invites.acceptedAt),
          isNull(invites.revokedAt),
          gt(invites.expiresAt, now),
        ),
      )
      .returning({ id: invites.id });
    const { inviteId, token, secretHash } = newInviteToken();
    const [row] = await tx
      .insert(invites)
      .values({
        id: inviteId,
        workspaceId,
        email: input.email,
        role: input.role,
        secretHash,
        invitedBy: ctx.actor.userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + INVITE_TTL_DAYS * DAY_MS),
      })
      .returning();
    if (!row) throw new Error('invite insert returned no row');
    await auditChange(
      tx,
      ctx,
      {
        action: 'invite.create',
        target: { type: 'invite', id: inviteId },
        details: {
          before: null,
          after: { email: input.email, role: input.role, expiresAt: row.expiresAt.toISOString() },
          replaced: replaced.map((r) => r.id),
        },
      },
      now,
    );
    return ok({ invite: toInviteSummary(row, now), link: inviteLink(token) });
  });
}
