import { RunInput, RunSummary, StartRunInput } from '@quarry/contracts';
import { runs } from '@quarry/db/schema';
import type { TRPCRouterRecord } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { notFound, QuarryTRPCError, unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { toRunSummary } from './run-summary';
import { startRun } from './start-run';
import { streamRunEvents } from './stream-run-events';

export const runsRouter = {
  /** Authoring SQL needs Can edit (and with it Can query, which the engine folds in). */
  start: workspaceProcedure
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
        ),
      ),
    ),

  get: workspaceProcedure
    .meta({ permission: 'run:owner' })
    .input(RunInput)
    .output(RunSummary)
    .query(async ({ ctx, input }) => {
      const [row] = await ctx.deps.db
        .select()
        .from(runs)
        .where(and(eq(runs.id, input.runId), eq(runs.workspaceId, ctx.actor.workspaceId)));
      if (!row) throw new QuarryTRPCError(notFound('run'));
      return toRunSummary(row);
    }),

  /** The run's result as a stream (JSON lines over HTTP): only its owner ever reaches it. */
  events: workspaceProcedure
    .meta({ permission: 'run:owner' })
    .input(RunInput)
    .query(({ ctx, input, signal }) =>
      streamRunEvents(ctx.deps, {
        runId: input.runId,
        workspaceId: ctx.actor.workspaceId,
        readerId: ctx.actor.userId,
        signal,
      }),
    ),
} satisfies TRPCRouterRecord;
