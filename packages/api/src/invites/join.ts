import { JoinWithAccountInput, Me } from '@quarry/contracts';
import { serializeSessionCookie } from '../auth/session-cookie';
import { unwrapOrThrow } from '../errors';
import { publicProcedure } from '../trpc';
import { joinWithAccount } from './services/join-with-account';

/**
 * Someone who already has an account (in another workspace) accepts with that account's password;
 * the session cookie is set exactly as auth.signIn sets it.
 */
export const join = publicProcedure
  .meta({ permission: 'public' })
  .input(JoinWithAccountInput)
  .output(Me)
  .mutation(async ({ ctx, input }) => {
    const previousSessionId = ctx.caller.kind === 'session' ? ctx.caller.session.sessionId : null;
    const { me, token, expiresAt } = unwrapOrThrow(
      await joinWithAccount(ctx.deps, { ...ctx.request, previousSessionId }, input),
    );
    ctx.resHeaders.append(
      'set-cookie',
      serializeSessionCookie({ token, expiresAt, secure: ctx.deps.secureCookies }),
    );
    return me;
  });
