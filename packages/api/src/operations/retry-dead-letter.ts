import { DeadLetterChange, RetryDeadLetterInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { adminOperator, operationsDeps } from './operations-deps';
import { retryDeadLetter as retry } from './services/dead-letters';

/** Hands one of the workspace's dead letters back to its queue. */
export const retryDeadLetter = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(RetryDeadLetterInput)
  .output(DeadLetterChange)
  .mutation(async ({ ctx, input }) =>
    unwrapOrThrow(await retry(operationsDeps(ctx), adminOperator(ctx), input)),
  );
