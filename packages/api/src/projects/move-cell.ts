import { MoveCellInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { moveCell as move } from './services/move-cell';

/** Moves a cell in the project's order, as long as every cell still reads only cells above it. */
export const moveCell = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(MoveCellInput)
  .output(z.object({ updatedAt: z.date() }))
  .mutation(({ ctx, input }) => move(ctx, input).then(unwrapOrThrow));
