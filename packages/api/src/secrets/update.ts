import { SecretSummary, UpdateSecretInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { updateSecret } from './services/update-secret';

export const update = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(UpdateSecretInput)
  .output(SecretSummary)
  .mutation(({ ctx, input }) => updateSecret(ctx, input).then(unwrapOrThrow));
