import type { ApiTokenSummary } from '@quarry/contracts';
import { apiTokens } from '@quarry/db/schema';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';
import { toTokenSummary } from './token-summary';

/** The caller's unrevoked tokens for this workspace, newest first. */
export async function listTokens(ctx: ServiceContext): Promise<ApiTokenSummary[]> {
  const rows = await ctx.deps.db
    .select()
    .from(apiTokens)
    .where(
      and(
        eq(apiTokens.userId, ctx.actor.userId),
        eq(apiTokens.workspaceId, ctx.actor.workspaceId),
        isNull(apiTokens.revokedAt),
      ),
    )
    .orderBy(desc(apiTokens.createdAt));
  return rows.map(toTokenSummary);
}
