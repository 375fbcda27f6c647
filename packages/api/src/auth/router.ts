import { invalidateSession } from '@quarry/auth';
import { Me, SignInInput } from '@quarry/contracts';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { notFound, unwrapOrThrow } from '../errors';
import { auditChange } from '../service-context';
import { authedProcedure, publicProcedure } from '../trpc';
import { clearSessionCookie, serializeSessionCookie } from './session-cookie';
import { loadMe, signIn } from './sign-in-service';

export const authRouter = {
  signIn: publicProcedure
    .meta({ permission: 'public' })
    .input(SignInInput)
    .output(Me)
    .mutation(async ({ ctx, input }) => {
      const { me, token, expiresAt } = unwrapOrThrow(await signIn(ctx.deps, input, ctx.request));
      ctx.resHeaders.append(
        'set-cookie',
        serializeSessionCookie({ token, expiresAt, secure: ctx.deps.secureCookies }),
      );
      return me;
    }),

  signOut: authedProcedure
    .meta({ permission: 'session:self' })
    .output(z.object({ signedOut: z.literal(true) }))
    .mutation(async ({ ctx }) => {
      const { actor } = ctx;
      await ctx.deps.db.transaction(async (tx) => {
        if (actor.via.kind === 'session') await invalidateSession(tx, actor.via.sessionId);
        await auditChange(tx, ctx, { action: 'auth.sign_out' });
      });
      ctx.resHeaders.append('set-cookie', clearSessionCookie(ctx.deps.secureCookies));
      return { signedOut: true as const };
    }),

  me: authedProcedure
    .meta({ permission: 'session:self' })
    .output(Me)
    .query(async ({ ctx }) => {
      const me = await loadMe(ctx.deps, ctx.actor);
      if (!me) return unwrapOrThrow({ ok: false, error: notFound('user') });
      return me;
    }),
} satisfies TRPCRouterRecord;
