import type { RunEvent } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { connections, projectConnections, runChunks, runs } from '@quarry/db/schema';
import { writeChunk } from '@quarry/results';
import { eq } from 'drizzle-orm';
import { groupIn, projectIn, sqlCellIn, uniqueName } from '../testing/fixtures';
import type { ApiHarness } from '../testing/harness';

export const SECRET_COLUMN = 'salary_of_ceo';
export const SECRET_VALUE = 'nine hundred thousand';

/**
 * A finished run of A's Editor, written as the runner writes one (its columns and one row chunk,
 * sealed), on a fresh connection of A the project imports. `connectionIds` and `connectionId` are
 * what the run row says it derives from; `plan` what it ran.
 */
export async function finishedRun(
  h: ApiHarness,

  over: { connectionIds?: string[]; connectionId?: string | null; jsTarget?: boolean } = {},
) {
  const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
  const [base] = await h.database.db.select().from(connections).where(eq(connections.id, h.a.connectionId));
  if (!base) throw new Error('no fixture connection');
  const connectionId = newId('connection');
  await h.database.db
    .insert(connections)
    .values({ ...base, id: connectionId, name: uniqueName('hr'), isDefault: false });
  await h.database.db
    .insert(projectConnections)
    .values({ projectId, connectionId, workspaceId: h.a.workspaceId });
  const cellId = await sqlCellIn(h, h.a, projectId, connectionId);
  const runId = newId('run');
  const sqlStep = {
    kind: 'sql' as const,
    cellId,
    name: 'pay',
    connectionId,
    sql: `select 1 as ${SECRET_COLUMN}`,
    params: [],
  };
  const plan = over.jsTarget
    ? {
        steps: [
          sqlStep,
          { kind: 'js' as const, cellId: newId('cell'), name: 'view', source: 'return pay', uses: ['pay'] },
        ],
        inputs: {},
      }
    : { steps: [sqlStep], inputs: {} };
  const now = new Date();
  await h.database.db.insert(runs).values({
    id: runId,
    workspaceId: h.a.workspaceId,
    projectId,
    cellId,
    ownerId: h.a.users.editor.id,
    connectionId: over.connectionId === undefined ? connectionId : over.connectionId,
    connectionIds: over.connectionIds ?? [connectionId],
    plan,
    source: over.jsTarget ? 'return pay' : sqlStep.sql,
    rowLimit: 100,
    status: 'succeeded',
    rowCount: 1,
    createdAt: now,
    startedAt: now,
    finishedAt: now,
  });
  await writeChunk(h.database.db, h.vault, {
    workspaceId: h.a.workspaceId,
    runId,
    seq: 0,
    content: { kind: 'columns', columns: [{ name: SECRET_COLUMN, type: 'text', dbType: 'text' }] },
    now,
  });
  await writeChunk(h.database.db, h.vault, {
    workspaceId: h.a.workspaceId,
    runId,
    seq: 1,
    content: { kind: 'rows', rows: [[SECRET_VALUE]] },
    now,
  });
  return { runId, projectId, connectionId };
}

/** Takes away the Editor's Can query and Can view results on a connection (a group they are not in). */
export async function revoke(h: ApiHarness, connectionId: string) {
  const group = await groupIn(h, h.a, [h.a.users.manager.id]);
  await h.database.db
    .update(connections)
    .set({ canQuery: [group], canViewResults: [group] })
    .where(eq(connections.id, connectionId));
}

/** Every event of a run's stream until its end (or the first error). */
export async function readAll(caller: Awaited<ReturnType<ApiHarness['as']>>, runId: string) {
  const events: RunEvent[] = [];
  const stream = (await caller.runs.events({ runId })) as AsyncIterable<RunEvent>;
  for await (const event of stream) {
    events.push(event);
    if (event.type === 'done' || event.type === 'error') break;
  }
  return events;
}

export const chunksLeft = async (h: ApiHarness, runId: string) =>
  (await h.database.db.select({ seq: runChunks.seq }).from(runChunks).where(eq(runChunks.runId, runId)))
    .length;
