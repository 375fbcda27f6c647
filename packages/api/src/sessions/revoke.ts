import { RevokeSessionInput } from '@quarry/contracts';
import { z } from 'zod';
import { clearSessionCookie } from '../auth/session-cookie';
import { unwrapOrThrow } from '../errors';
import { authedProcedure } from '../trpc';
import { revokeSession } from './services/revoke-session';

export const revoke = authedProcedure
  .meta({ permission: 'session:browser' })
  .input(RevokeSessionInput)
  .output(z.object({ revoked: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const { wasCurrent } = unwrapOrThrow(await revokeSession(ctx, input));
    if (wasCurrent) ctx.resHeaders.append('set-cookie', clearSessionCookie(ctx.deps.secureCookies));
    return { revoked: true as const };
  });
