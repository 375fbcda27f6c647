import { RunInput, RunSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { getRun } from './services/get-run';

export const get = workspaceProcedure
  .meta({ permission: 'run:owner' })
  .input(RunInput)
  .output(RunSummary)
  .query(({ ctx, input }) => getRun(ctx, input).then(unwrapOrThrow));
