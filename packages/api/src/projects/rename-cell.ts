import { CellId, RenameCellInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { renameCell as rename } from './services/rename-cell';

/** Renames a cell; `rewritten` lists the cells whose references to it were rewritten. */
export const renameCell = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(RenameCellInput)
  .output(z.object({ updatedAt: z.date(), rewritten: z.array(CellId) }))
  .mutation(({ ctx, input }) => rename(ctx, input).then(unwrapOrThrow));
