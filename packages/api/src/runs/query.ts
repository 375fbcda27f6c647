import { type RunEvent, type RunSummary, StartRunInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { refuseResultsWithFacts } from './services/results-gate';
import { toRunSummary } from './services/run-summary';
import { startRunRecord } from './services/start-run';
import { streamRunEvents } from './services/stream-run-events';

/** The first event of runs.query: the run it started, as runs.start answers it. */
export type StartedEvent = { type: 'started'; run: RunSummary };

/**
 * runs.start and then runs.events of the run it started, in one request (JSON lines): what the
 * SDK's query() calls. The start is decided and refused exactly as runs.start's; the stream is
 * runs.events', for the run's owner, with the results gate decided from the facts this request's
 * permission check loaded, and the run read from the row the start stored (no news since): a
 * second request's sign-in, permission check and reads of the run and of the reader's facts are
 * not made. The runner decides the gate again, from the database, before any row leaves it.
 */
export const query = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(StartRunInput)
  .mutation(async ({ ctx, input, signal }) => {
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
    const facts = ctx.project.facts;
    const events = streamRunEvents(ctx.deps, {
      runId: row.id,
      workspaceId: ctx.actor.workspaceId,
      readerId: ctx.actor.userId,
      read: { row, heardBefore },
      gate: (run) => refuseResultsWithFacts(run, facts),
      signal,
    });
    return startedThen(toRunSummary(row), events);
  });

async function* startedThen(
  run: RunSummary,
  events: AsyncGenerator<RunEvent>,
): AsyncGenerator<StartedEvent | RunEvent> {
  yield { type: 'started', run };
  yield* events;
}
