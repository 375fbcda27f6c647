import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { deleteProvider as deleteWorkspaceProvider } from './services/providers';

/** Until contracts carry it. */
export const DeleteSsoProviderInput = z.object({ providerId: z.string().startsWith('sso_').max(64) });

export const deleteProvider = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(DeleteSsoProviderInput)
  .output(z.object({ deleted: z.literal(true) }))
  .mutation(({ ctx, input }) => deleteWorkspaceProvider(ctx, input).then(unwrapOrThrow));
