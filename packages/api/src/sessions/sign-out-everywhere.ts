import { z } from 'zod';
import { clearSessionCookie } from '../auth/session-cookie';
import { authedProcedure } from '../trpc';
import { endSessions } from './services/end-sessions';

export const signOutEverywhere = authedProcedure
  .meta({ permission: 'session:browser' })
  .output(z.object({ ended: z.number() }))
  .mutation(async ({ ctx }) => {
    const ended = await endSessions(ctx);
    ctx.resHeaders.append('set-cookie', clearSessionCookie(ctx.deps.secureCookies));
    return { ended };
  });
