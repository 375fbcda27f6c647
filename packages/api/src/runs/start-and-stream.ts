import { StartRunInput } from '@quarry/contracts';
import { QuarryTRPCError, unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { toRunSummary } from './services/run-summary';
import { startRunRecord } from './services/start-run';
import { streamRunEvents } from './services/stream-run-events';

/**
 * Starts a run as `runs.start` does and streams its events in the same answer as `runs.events`
 * streams them: what a program that runs a query and reads its rows asks for, in one request instead
 * of two (the SDK's `query`). It needs what a start needs (Can edit, and Can query on every
 * connection the plan reads), and only a transport that reads JSON lines may call it: a call that
 * could not read the answer is refused before anything is stored. The caller owns the run; its
 * result passes the results gate, decided from the reader's facts when the stream first reads it.
 */
export const startAndStream = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(StartRunInput)
  .mutation(async ({ ctx, input, signal }) => {
    if (!ctx.streams) {
      throw new QuarryTRPCError({
        code: 'request.stream_required',
        message: 'This call answers with a stream of JSON lines, which this request did not ask for',
        hint: 'Call it through tRPC’s httpBatchStreamLink (the SDK’s query does), or call runs.start and then runs.events',
      });
    }
    // Marked before the run exists: news of it that comes before the stream reads it is not missed.
    const heardBefore = ctx.deps.notifier.mark();
    const row = unwrapOrThrow(
      await startRunRecord(
        ctx.deps,
        ctx.actor,
        StartRunInput.parse(input) as Required<typeof input>,
        ctx.request,
        ctx.project,
      ),
    );
    return {
      run: toRunSummary(row),
      events: streamRunEvents(ctx.deps, {
        runId: row.id,
        workspaceId: ctx.actor.workspaceId,
        readerId: ctx.actor.userId,
        read: { row, heardBefore },
        gateBeforeResults: true,
        ...(signal ? { signal } : {}),
      }),
    };
  });
