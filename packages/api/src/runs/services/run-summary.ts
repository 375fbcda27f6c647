import { QuarryError, type RunSummary } from '@quarry/contracts';
import type { runs } from '@quarry/db/schema';

export function toRunSummary(row: typeof runs.$inferSelect): RunSummary {
  const error = row.error ? QuarryError.safeParse(row.error) : null;
  return {
    id: row.id,
    status: row.status,
    rowCount: row.rowCount,
    truncated: row.truncated,
    durationMs: row.startedAt && row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    error: error?.success ? error.data : null,
    createdAt: row.createdAt,
    steps: [],
  };
}
