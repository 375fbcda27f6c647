import { CreateSecretInput, SecretSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { createSecret } from './services/create-secret';

export const create = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(CreateSecretInput)
  .output(SecretSummary)
  .mutation(({ ctx, input }) => createSecret(ctx, input).then(unwrapOrThrow));
