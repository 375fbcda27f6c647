import { ChangePasswordInput } from '@quarry/contracts';
import { z } from 'zod';
import { serializeSessionCookie } from '../auth/session-cookie';
import { unwrapOrThrow } from '../errors';
import { authedProcedure } from '../trpc';
import { changeOwnPassword } from './services/change-own-password';

export const changePassword = authedProcedure
  .meta({ permission: 'session:browser' })
  .input(ChangePasswordInput)
  .output(z.object({ changed: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const session = unwrapOrThrow(await changeOwnPassword(ctx, input));
    ctx.resHeaders.append(
      'set-cookie',
      serializeSessionCookie({ ...session, secure: ctx.deps.secureCookies }),
    );
    return { changed: true as const };
  });
