import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { newId } from '@quarry/db';
import type { RunningWorker } from '@quarry/query-runner';
import { QUEUE_SCHEMA } from '@quarry/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRunner } from '../testing/start-test-runner';
import { until } from '../testing/until';

// JOB-4 and JOB-6 for schema refresh: a `schema.refresh` payload is only ids, and the runner must
// load and re-check everything from the database, scoped by the job's workspace. These payloads are
// written as an attacker able to put a job on the queue (or a bug that mixes ids) would write them.
let h: ApiHarness;
let runner: RunningWorker;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  runner = await startTestRunner({ databaseUrl: h.database.url, masterKey: h.masterKey });
}, 60_000);

afterAll(async () => {
  await runner?.stop();
  await h?.close();
});

/** A refresh row of A's fixture connection, as the API writes one for `requestedBy`. */
async function queuedRefresh(requestedBy: string) {
  // One active refresh per connection: earlier tests' rows are finished first.
  await h.deps.sql`
    update schema_refreshes set status = 'failed', finished_at = now()
    where connection_id = ${h.a.connectionId} and status in ('queued', 'running')`;
  const id = newId('schema_refresh');
  await h.deps.sql`
    insert into schema_refreshes (id, workspace_id, connection_id, trigger, requested_by)
    values (${id}, ${h.a.workspaceId}, ${h.a.connectionId}, 'manual', ${requestedBy})`;
  return id;
}

/** Waits until pg-boss has finished the job (whatever its handler did). */
const jobDone = (jobId: string) =>
  until(
    async () => {
      const [row] = await h.deps.sql<{ state: string }[]>`
        select state from ${h.deps.sql(QUEUE_SCHEMA)}.job where id = ${jobId}`;
      return row && ['completed', 'failed', 'cancelled'].includes(row.state) ? row.state : undefined;
    },
    30_000,
    'the forged job was not handled',
  );

const refreshRow = async (id: string) =>
  (
    await h.deps.sql<{ status: string; error_code: string | null }[]>`
      select status, error_code from schema_refreshes where id = ${id}`
  )[0];

const tablesOf = async (connectionId: string) =>
  (
    await h.deps.sql<{ id: string }[]>`select id from schema_tables where connection_id = ${connectionId}`
  ).map((r) => r.id);

describe('forged schema.refresh payloads', () => {
  it("naming B's connection with A's workspace, or A's refresh with B's workspace, touch nothing", async () => {
    const refreshId = await queuedRefresh(h.a.users.admin.id);
    const forged = [
      { workspaceId: h.a.workspaceId, connectionId: h.b.connectionId, refreshId },
      { workspaceId: h.b.workspaceId, connectionId: h.b.connectionId, refreshId },
      { workspaceId: h.b.workspaceId, connectionId: h.a.connectionId, refreshId },
    ];
    for (const payload of forged) await jobDone(await h.deps.queue.send('schema.refresh', payload));
    // A's refresh was not run by any of them, and B's store got nothing.
    expect((await refreshRow(refreshId))?.status).toBe('queued');
    expect(await tablesOf(h.b.connectionId)).toEqual([]);
    expect(
      await h.deps.sql`select id from schema_refreshes where connection_id = ${h.b.connectionId}`,
    ).toHaveLength(0);
  });

  it('a manual refresh whose requester lost Can refresh schema before it ran is refused by the runner', async () => {
    const refreshId = await queuedRefresh(h.a.users.editor.id);
    await h.deps
      .sql`update connections set can_refresh_schema = 'admins_only' where id = ${h.a.connectionId}`;
    try {
      await jobDone(
        await h.deps.queue.send('schema.refresh', {
          workspaceId: h.a.workspaceId,
          connectionId: h.a.connectionId,
          refreshId,
        }),
      );
      const row = await refreshRow(refreshId);
      expect(row?.status).toBe('failed');
      expect(row?.error_code).toBe('schema.refresh_not_allowed');
      expect(await tablesOf(h.a.connectionId)).toEqual([]);
    } finally {
      await h.deps
        .sql`update connections set can_refresh_schema = 'can_query' where id = ${h.a.connectionId}`;
    }
  });

  it('a manual refresh whose requester was deactivated before it ran is refused by the runner', async () => {
    const refreshId = await queuedRefresh(h.a.users.explorer.id);
    await h.deps.sql`
      update workspace_members set deactivated_at = now()
      where workspace_id = ${h.a.workspaceId} and user_id = ${h.a.users.explorer.id}`;
    try {
      await jobDone(
        await h.deps.queue.send('schema.refresh', {
          workspaceId: h.a.workspaceId,
          connectionId: h.a.connectionId,
          refreshId,
        }),
      );
      const row = await refreshRow(refreshId);
      expect(row?.status).toBe('failed');
      expect(row?.error_code).toBe('schema.refresh_not_allowed');
      expect(await tablesOf(h.a.connectionId)).toEqual([]);
    } finally {
      await h.deps.sql`
        update workspace_members set deactivated_at = null
        where workspace_id = ${h.a.workspaceId} and user_id = ${h.a.users.explorer.id}`;
    }
  });
});
