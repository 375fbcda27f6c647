import { GroupInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { deleteCustomGroup } from './services/delete-group';

export const deleteGroup = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(GroupInput)
  .output(z.object({ deleted: z.literal(true) }))
  .mutation(({ ctx, input }) => deleteCustomGroup(ctx, input).then(unwrapOrThrow));
