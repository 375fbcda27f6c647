import { DeleteCellInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { deleteCell as remove } from './services/delete-cell';

/** Deletes a cell; cells that read it answer notebook.unknown_reference when run. */
export const deleteCell = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(DeleteCellInput)
  .output(z.object({ updatedAt: z.date() }))
  .mutation(({ ctx, input }) => remove(ctx, input).then(unwrapOrThrow));
