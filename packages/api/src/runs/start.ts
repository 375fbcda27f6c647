import { RunSummary, StartRunInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { startRun } from './services/start-run';

/** Authoring SQL needs Can edit (and with it Can query, which the engine folds in). */
export const start = workspaceProcedure
  .meta({ permission: 'project:edit' })
  .input(StartRunInput)
  .output(RunSummary)
  .mutation(async ({ ctx, input }) =>
    unwrapOrThrow(
      await startRun(ctx.deps, ctx.actor, StartRunInput.parse(input) as Required<typeof input>, ctx.request),
    ),
  );
