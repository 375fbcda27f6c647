import type { InviteSummary } from '@quarry/contracts';
import { invites } from '@quarry/db/schema';
import { desc, eq } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';
import { toInviteSummary } from './invite-summaries';

/** The workspace's invites, newest first, each with its status now. */
export async function listInvites(ctx: ServiceContext): Promise<InviteSummary[]> {
  const now = ctx.deps.now();
  const rows = await ctx.deps.db
    .select()
    .from(invites)
    .where(eq(invites.workspaceId, ctx.actor.workspaceId))
    .orderBy(desc(invites.createdAt));
  return rows.map((row) => toInviteSummary(row, now));
}
