import { type Db, newId } from '@quarry/db';
import { runs } from '@quarry/db/schema';
import type { WorkspaceFixture } from '@quarry/db/testing';

/**
 * A run of the fixture's SQL cell on its connection, owned by its editor, queued: what a take
 * finds. `values` changes any of it (a JS run's connections, a status). Its id.
 */
export async function insertRun(
  db: Db,
  fixture: WorkspaceFixture,
  values: Partial<typeof runs.$inferInsert> = {},
): Promise<string> {
  const id = values.id ?? newId('run');
  await db.insert(runs).values({
    id,
    workspaceId: fixture.workspaceId,
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    ownerId: fixture.users.editor.id,
    connectionId: fixture.connectionId,
    source: 'select 1',
    rowLimit: 10,
    ...values,
  });
  return id;
}
