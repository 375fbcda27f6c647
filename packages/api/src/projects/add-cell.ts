import { AddCellInput, NotebookCell } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { addCell as add } from './services/add-cell';

/** Adds a cell of any kind below another (or at the top); the cells below move down by one. */
export const addCell = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(AddCellInput)
  .output(NotebookCell)
  .mutation(({ ctx, input }) => add(ctx, input).then(unwrapOrThrow));
