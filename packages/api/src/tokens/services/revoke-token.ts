import { err, ok, type Result } from '@quarry/contracts';
import { apiTokens } from '@quarry/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';

/** Revokes one of the caller's own tokens in this workspace; anyone else's is NOT_FOUND. */
export async function revokeToken(ctx: ServiceContext, input: { tokenId: string }): Promise<Result<true>> {
  const { actor } = ctx;
  const now = ctx.deps.now();
  const revoked = await ctx.deps.db.transaction(async (tx) => {
    const rows = await tx
      .update(apiTokens)
      .set({ revokedAt: now })
      .where(
        and(
          eq(apiTokens.id, input.tokenId),
          eq(apiTokens.userId, actor.userId),
          eq(apiTokens.workspaceId, actor.workspaceId),
          isNull(apiTokens.revokedAt),
        ),
      )
      .returning({ id: apiTokens.id });
    if (rows.length) {
      await auditChange(
        tx,
        ctx,
        { action: 'token.revoke', target: { type: 'api_token', id: input.tokenId } },
        now,
      );
    }
    return rows.length > 0;
  });
  return revoked ? ok(true) : err(notFound('token'));
}
