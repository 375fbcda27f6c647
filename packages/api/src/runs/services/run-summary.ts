import { QuarryError, RunStepOutcome, type RunSummary } from '@quarry/contracts';
import type { runs } from '@quarry/db/schema';
import { z } from 'zod';

/**
 * A run as its owner sees it. `queuePosition` is where a queued run stands in the queue (1: next);
 * only `getRun` looks it up, everything else answers null.
 */
export function toRunSummary(row: typeof runs.$inferSelect, queuePosition: number | null = null): RunSummary {
  const error = row.error ? QuarryError.safeParse(row.error) : null;
  return {
    id: row.id,
    status: row.status,
    rowCount: row.rowCount,
    truncated: row.truncated,
    durationMs: row.startedAt && row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    error: error?.success ? error.data : null,
    createdAt: row.createdAt,
    queuePosition: row.status === 'queued' ? queuePosition : null,
    // When a run was served from the cache: when that result was computed.
    cachedAt: row.cacheHitAt,
    steps: recordedSteps(row.steps),
  };
}

const RecordedSteps = z.array(RunStepOutcome);

/** The steps the runner recorded (a JS cell's run: each cell it ran); none before it finished. */
function recordedSteps(stored: unknown): RunStepOutcome[] {
  const parsed = RecordedSteps.safeParse(stored);
  return parsed.success ? parsed.data : [];
}
