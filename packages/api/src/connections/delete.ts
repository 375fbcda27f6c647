import { ConnectionRef } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { deleteConnection } from './services/delete-connection';

/** Cannot be undone: the SPA shows `usage` first. */
export const deleteProcedure = workspaceProcedure
  .meta({ permission: 'connection:manage' })
  .input(ConnectionRef)
  .output(z.object({ removedFromProjects: z.number().int().nonnegative() }))
  .mutation(({ ctx, input }) => deleteConnection(ctx, input).then(unwrapOrThrow));
