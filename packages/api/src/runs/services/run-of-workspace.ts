import { preparedQuery } from '@quarry/db';
import { runs } from '@quarry/db/schema';
import { and, eq, sql } from 'drizzle-orm';

/**
 * A run of the caller's workspace, whole: every stream of a run's events starts from it (the gate's
 * owner check reads it, and a stream whose run had news since reads it again). Built once.
 */
export const runOfWorkspace = preparedQuery('run_of_workspace', (db) =>
  db
    .select()
    .from(runs)
    .where(and(eq(runs.id, sql.placeholder('runId')), eq(runs.workspaceId, sql.placeholder('workspaceId')))),
);
