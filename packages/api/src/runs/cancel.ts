import { RunInput, RunSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { cancelRun } from './services/cancel-run';

/** Stops a run, on the database server too; only its owner may (anyone else is told it does not exist). */
export const cancel = workspaceProcedure
  .meta({ permission: 'run:owner' })
  .input(RunInput)
  .output(RunSummary)
  .mutation(({ ctx, input }) => cancelRun(ctx, input).then(unwrapOrThrow));
