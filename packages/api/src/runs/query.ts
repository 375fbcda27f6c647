import { type QuarryError, type RunEvent, type RunSummary, StartRunInput } from '@quarry/contracts';
import { QuarryTRPCError, unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { toRunSummary } from './services/run-summary';
import { startRunRecord } from './services/start-run';
import { streamRunEvents } from './services/stream-run-events';

/** The first event of runs.query: the run it started, as runs.start answers it. */
export type StartedEvent = { type: 'started'; run: RunSummary };

/**
 * runs.start and then runs.events of the run it started, in one request (JSON lines): what the
 * SDK's query() calls. It tells the result, not the run's progress (no `status` events). The start
 * is decided and refused exactly as runs.start's; the stream is runs.events', for the run's owner,
 * its results gate decided from the database when the stream first reads (a reader who lost Can
 * view results before then gets nothing, however late it reads), and its first read of the run
 * made from the row the start stored while no news of the run came since. A second request's
 * sign-in, permission check and read of the run are not made. A request that cannot take a stream
 * is refused before anything starts.
 */
export const query = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(StartRunInput)
  .mutation(async ({ ctx, input, signal }) => {
    // A transport that cannot stream the answer would refuse it once the run had started.
    if (ctx.streams === false) throw new QuarryTRPCError(STREAM_NEEDED);
    // Before the start: news of the run from here on means the stored row is no longer the run.
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
    const events = streamRunEvents(ctx.deps, {
      runId: row.id,
      workspaceId: ctx.actor.workspaceId,
      readerId: ctx.actor.userId,
      read: { row, heardBefore },
      // The started run says it is queued; the rest is the result (runs.get tells the status).
      statuses: false,
      signal,
    });
    return startedThen(toRunSummary(row), events);
  });

const STREAM_NEEDED: QuarryError = {
  code: 'request.unsupported_media_type',
  message: 'runs.query answers with a stream, which this request cannot take',
  hint: 'Call it in a JSON-lines batch (tRPC’s httpBatchStreamLink), or use runs.start and then runs.events',
};

async function* startedThen(
  run: RunSummary,
  events: AsyncGenerator<RunEvent>,
): AsyncGenerator<StartedEvent | RunEvent> {
  yield { type: 'started', run };
  yield* events;
}
