import { DeadLetterChange, PurgeDeadLettersInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { adminOperator, operationsDeps } from './operations-deps';
import { purgeDeadLetters as purge } from './services/dead-letters';

/** Deletes the workspace's dead letters of one dead-letter queue (never another workspace's). */
export const purgeDeadLetters = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(PurgeDeadLettersInput)
  .output(DeadLetterChange)
  .mutation(async ({ ctx, input }) =>
    unwrapOrThrow(await purge(operationsDeps(ctx), adminOperator(ctx), input)),
  );
