import { createApiToken } from '@quarry/auth';
import {
  ApiTokenSummary,
  CreateApiTokenInput,
  CreatedApiToken,
  RevokeApiTokenInput,
} from '@quarry/contracts';
import { apiTokens } from '@quarry/db/schema';
import type { TRPCRouterRecord } from '@trpc/server';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { notFound, QuarryTRPCError } from '../errors';
import { auditChange } from '../service-context';
import { authedProcedure } from '../trpc';

const toSummary = (row: typeof apiTokens.$inferSelect): ApiTokenSummary => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  lastUsedAt: row.lastUsedAt,
});

/** Personal API tokens for the SDK: shown once, hashed at rest, always expiring, revocable. */
export const tokensRouter = {
  create: authedProcedure
    .meta({ permission: 'session:self' })
    .input(CreateApiTokenInput)
    .output(CreatedApiToken)
    .mutation(async ({ ctx, input }) => {
      const { actor } = ctx;
      // A token must not mint tokens: a leaked one would otherwise outlive its own revocation.
      if (actor.via.kind !== 'session') {
        throw new QuarryTRPCError({
          code: 'access.session_required',
          message: 'API tokens are created from a signed-in session, not with another token',
          hint: 'Create the token in Quarry under Settings → API tokens',
        });
      }
      const now = ctx.deps.now();
      const created = await ctx.deps.db.transaction(async (tx) => {
        const result = await createApiToken(tx, {
          userId: actor.userId,
          workspaceId: actor.workspaceId,
          name: input.name,
          expiresInDays: input.expiresInDays,
          now,
        });
        await auditChange(
          tx,
          ctx,
          {
            action: 'token.create',
            target: { type: 'api_token', id: result.row.id },
            details: { expiresAt: result.row.expiresAt.toISOString() },
          },
          now,
        );
        return result;
      });
      return { token: created.token, summary: toSummary(created.row) };
    }),

  list: authedProcedure
    .meta({ permission: 'session:self' })
    .output(z.array(ApiTokenSummary))
    .query(async ({ ctx }) => {
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
      return rows.map(toSummary);
    }),

  revoke: authedProcedure
    .meta({ permission: 'session:self' })
    .input(RevokeApiTokenInput)
    .output(z.object({ revoked: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
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
      if (!revoked) throw new QuarryTRPCError(notFound('token'));
      return { revoked: true as const };
    }),
} satisfies TRPCRouterRecord;
