import { err, ok, type Result, type RunSummary } from '@quarry/contracts';
import { runs } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';
import { toRunSummary } from './run-summary';

/** One run of the caller's workspace (the gate has already checked the caller owns it). */
export async function getRun(ctx: ServiceContext, input: { runId: string }): Promise<Result<RunSummary>> {
  const [row] = await ctx.deps.db
    .select()
    .from(runs)
    .where(and(eq(runs.id, input.runId), eq(runs.workspaceId, ctx.actor.workspaceId)));
  if (!row) return err(notFound('run'));
  return ok(toRunSummary(row));
}
