import { UpdateCellInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { updateCell as saveCell } from './services/update-cell';

export const updateCell = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(UpdateCellInput)
  .output(z.object({ updatedAt: z.date() }))
  .mutation(({ ctx, input }) => saveCell(ctx, input).then(unwrapOrThrow));
