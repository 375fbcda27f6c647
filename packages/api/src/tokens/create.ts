import { CreateApiTokenInput, CreatedApiToken } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { authedProcedure } from '../trpc';
import { createToken } from './services/create-token';

export const create = authedProcedure
  .meta({ permission: 'session:self' })
  .input(CreateApiTokenInput)
  .output(CreatedApiToken)
  .mutation(({ ctx, input }) => createToken(ctx, input).then(unwrapOrThrow));
