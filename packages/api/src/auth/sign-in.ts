import { Me, SignInInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { publicProcedure } from '../trpc';
import { signIn as signInWithPassword } from './services/sign-in';
import { serializeSessionCookie } from './session-cookie';

export const signIn = publicProcedure
  .meta({ permission: 'public' })
  .input(SignInInput)
  .output(Me)
  .mutation(async ({ ctx, input }) => {
    const previousSessionId = ctx.caller.kind === 'session' ? ctx.caller.session.sessionId : null;
    const { me, token, expiresAt } = unwrapOrThrow(
      await signInWithPassword(ctx.deps, input, { ...ctx.request, previousSessionId }),
    );
    ctx.resHeaders.append(
      'set-cookie',
      serializeSessionCookie({ token, expiresAt, secure: ctx.deps.secureCookies }),
    );
    return me;
  });
