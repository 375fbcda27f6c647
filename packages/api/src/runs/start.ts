import { RunSummary, StartRunInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { startRun } from './services/start-run';

/**
 * Runs a SQL or JS cell with the notebook's input values. Authoring needs Can edit (and with it Can
 * query on the project's connections, which the engine folds in); every connection the run's plan
 * reads is checked again at start.
 */
export const start = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(StartRunInput)
  .output(RunSummary)
  .mutation(async ({ ctx, input }) =>
    unwrapOrThrow(
      await startRun(
        ctx.deps,
        ctx.actor,
        StartRunInput.parse(input) as Required<typeof input>,
        ctx.request,
        ctx.project,
      ),
    ),
  );
