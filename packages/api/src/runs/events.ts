import { RunInput } from '@quarry/contracts';
import { workspaceProcedure } from '../trpc';
import { streamRunEvents } from './services/stream-run-events';

/** The run's result as a stream (JSON lines over HTTP): only its owner ever reaches it. */
export const events = workspaceProcedure
  .meta({ permission: 'run:owner' })
  .input(RunInput)
  .query(({ ctx, input, signal }) =>
    streamRunEvents(ctx.deps, {
      runId: input.runId,
      workspaceId: ctx.actor.workspaceId,
      readerId: ctx.actor.userId,
      ...(ctx.ownedRun ? { read: ctx.ownedRun } : {}),
      signal,
    }),
  );
