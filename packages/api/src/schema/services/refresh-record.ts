import type { SchemaRefresh } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { type schemaRefreshes, users } from '@quarry/db/schema';
import { inArray } from 'drizzle-orm';

type RefreshRow = typeof schemaRefreshes.$inferSelect;

/** A failure's cause is for those who manage the connection (CONN-3); others learn that it failed. */
const HIDDEN_FAILURE = {
  code: 'schema.refresh_failed',
  message: 'The last schema refresh failed; an Admin can see why in the connection settings',
};

/** The people who asked for these refreshes, by id, with the name the SPA shows. */
export async function requesterNames(db: Db, rows: readonly RefreshRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((r) => (r.requestedBy ? [r.requestedBy] : [])))];
  if (ids.length === 0) return new Map();
  const found = await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, ids));
  return new Map(found.map((u) => [u.id, u.name]));
}

export function toRefresh(
  row: RefreshRow,
  names: ReadonlyMap<string, string>,
  options: { showCause: boolean },
): SchemaRefresh {
  const error =
    row.status === 'failed'
      ? options.showCause
        ? { code: row.errorCode ?? HIDDEN_FAILURE.code, message: row.errorMessage ?? HIDDEN_FAILURE.message }
        : HIDDEN_FAILURE
      : null;
  return {
    id: row.id,
    connectionId: row.connectionId,
    trigger: row.trigger,
    status: row.status,
    progress: { done: row.progressDone, total: row.progressTotal },
    requestedBy: row.requestedBy
      ? { id: row.requestedBy, name: names.get(row.requestedBy) ?? 'A former member' }
      : null,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    error,
    counts:
      row.status === 'succeeded'
        ? { added: row.added ?? 0, removed: row.removed ?? 0, changed: row.changed ?? 0 }
        : null,
  };
}
