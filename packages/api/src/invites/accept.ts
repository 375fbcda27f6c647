import { AcceptInviteInput, Me } from '@quarry/contracts';
import { serializeSessionCookie } from '../auth/session-cookie';
import { unwrapOrThrow } from '../errors';
import { publicProcedure } from '../trpc';
import { acceptInvite } from './services/accept-invite';

/** Creates the account and signs it in, with the session cookie set exactly as auth.signIn sets it. */
export const accept = publicProcedure
  .meta({ permission: 'public' })
  .input(AcceptInviteInput)
  .output(Me)
  .mutation(async ({ ctx, input }) => {
    const previousSessionId = ctx.caller.kind === 'session' ? ctx.caller.session.sessionId : null;
    const { me, token, expiresAt } = unwrapOrThrow(
      await acceptInvite(ctx.deps, { ...ctx.request, previousSessionId }, input),
    );
    ctx.resHeaders.append(
      'set-cookie',
      serializeSessionCookie({ token, expiresAt, secure: ctx.deps.secureCookies }),
    );
    return me;
  });
