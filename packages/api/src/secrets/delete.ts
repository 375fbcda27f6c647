import { DeleteSecretResult, SecretRef } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { deleteSecret as deleteWorkspaceSecret } from './services/delete-secret';

export const deleteSecret = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(SecretRef)
  .output(DeleteSecretResult)
  .mutation(({ ctx, input }) => deleteWorkspaceSecret(ctx, input).then(unwrapOrThrow));
