import { z } from 'zod';
import { authedProcedure } from '../trpc';
import { endSession } from './services/sign-out';
import { clearSessionCookie } from './session-cookie';

export const signOut = authedProcedure
  .meta({ permission: 'session:self' })
  .output(z.object({ signedOut: z.literal(true) }))
  .mutation(async ({ ctx }) => {
    await endSession(ctx);
    ctx.resHeaders.append('set-cookie', clearSessionCookie(ctx.deps.secureCookies));
    return { signedOut: true as const };
  });
