import { RevokeApiTokenInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { authedProcedure } from '../trpc';
import { revokeToken } from './services/revoke-token';

export const revoke = authedProcedure
  .meta({ permission: 'session:self' })
  .input(RevokeApiTokenInput)
  .output(z.object({ revoked: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    unwrapOrThrow(await revokeToken(ctx, input));
    return { revoked: true as const };
  });
