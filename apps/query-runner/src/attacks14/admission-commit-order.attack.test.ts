import { runs } from '@quarry/db/schema';
import { type Queue, startQueue } from '@quarry/queue';
import { and, eq } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeAdmitted, takeLocks } from '../execute-run';
import { insertRun } from '../testing/insert-run';
import { type RunnerFixture, startRunnerFixture } from '../testing/runner-fixture';

// Found as a flaw in the take's admission and fixed with this suite. It counted the active jobs
// *ahead* of the taking one by pg-boss's `started_on`, the fetch transaction's start (`job_now()`
// is `now()`), not its commit: a fetch that started first and committed last was invisible to a
// take made in between, and that take was not ahead of it, so each admitted itself and the
// connection ran one query past its cap (attacks14/js-connection-caps saw a peak of 3 under a cap
// of 2 once in four runs). The interleaving is made here with two sessions, so it happens every
// time. Takes that share a connection or an owner now wait for each other, and count the runs taken.

let started: RunnerFixture;
let queue: Queue;

beforeAll(async () => {
  started = await startRunnerFixture({ orders: 1 });
  queue = await startQueue(started.database.url, { supervise: false });
}, 120_000);

afterAll(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await started?.drop();
});

const CAPS = { ownerLimit: 25, connectionLimit: 2 };

/** A queued SQL run on the fixture's connection, and its job, not yet fetched. */
async function queuedRun(): Promise<{ job: { runId: string; workspaceId: string }; jobId: string }> {
  const { database, fixture } = started;
  const runId = await insertRun(database.db, fixture);
  const data = {
    runId,
    workspaceId: fixture.workspaceId,
    ownerId: fixture.users.editor.id,
    connectionId: fixture.connectionId,
  };
  const [row] = await database.sql<{ id: string }[]>`
    insert into pgboss.job (name, data, state) values ('run.execute', ${JSON.stringify(data)}::jsonb, 'created')
    returning id`;
  if (!row) throw new Error('no job');
  return { job: { runId, workspaceId: fixture.workspaceId }, jobId: row.id };
}

/** What pg-boss's fetch does to a job it hands out: active, started at its transaction's start. */
const fetchSql = (jobId: string) =>
  `update pgboss.job set state = 'active', started_on = now() where id = '${jobId}'`;

const take = async (run: Awaited<ReturnType<typeof queuedRun>>) =>
  (await takeAdmitted(started.deps, run.job, CAPS)).length;

const runningOnTheConnection = async () =>
  started.database.db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.workspaceId, started.fixture.workspaceId),
        eq(runs.connectionId, started.fixture.connectionId),
        eq(runs.status, 'running'),
      ),
    );

/** Ends every run still running, so that each test starts with the connection free. */
const endAll = () =>
  started.database.sql`update runs set status = 'succeeded', finished_at = now()
    where workspace_id = ${started.fixture.workspaceId} and status = 'running'`;

describe("the take's admission when fetches commit out of their start order", () => {
  it('never admits a third query on a connection whose cap is 2', async () => {
    await endAll();
    const { database } = started;
    const [first, second, third] = [await queuedRun(), await queuedRun(), await queuedRun()];
    if (!first || !second || !third) throw new Error('no runs');

    await database.sql.unsafe(fetchSql(first.jobId));
    expect(await take(first)).toBe(1);

    // The second job's fetch starts, and has not committed yet…
    const slow = await database.sql.reserve();
    try {
      await slow.unsafe('begin');
      await slow.unsafe(fetchSql(second.jobId));
      await new Promise((resolve) => setTimeout(resolve, 20));
      // …while the third job's fetch starts later, commits, and its run is taken.
      await database.sql.unsafe(fetchSql(third.jobId));
      expect(await take(third)).toBe(1);
      await slow.unsafe('commit');
    } finally {
      slow.release();
    }
    // Two runs are taken on the connection: the second waits, whenever its fetch started.
    expect(await take(second)).toBe(0);
    expect(await runningOnTheConnection()).toHaveLength(2);
  });

  it('a take waits for a take of the same connection that has not committed, and then counts it', async () => {
    await endAll();
    const { database } = started;
    const [held, other, last] = [await queuedRun(), await queuedRun(), await queuedRun()];
    if (!held || !other || !last) throw new Error('no runs');
    expect(await take(held)).toBe(1);
    // A take of the connection, in a transaction that has taken the run and not committed yet.
    const open = await database.sql.reserve();
    try {
      await open.unsafe('begin');
      const locks = new PgDialect().sqlToQuery(takeLocks(other.job));
      await open.unsafe(locks.sql, locks.params as string[]);
      await open.unsafe(
        `update runs set status = 'running', started_at = now() where id = '${other.job.runId}'`,
      );
      let settled = false;
      const waiting = take(last).finally(() => {
        settled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await open.unsafe('commit');
      // It saw the take it waited for: two runs taken already, so it waits in the queue.
      expect(await waiting).toBe(0);
    } finally {
      open.release();
    }
    expect((await runningOnTheConnection()).map((r) => r.id).sort()).toEqual(
      [held.job.runId, other.job.runId].sort(),
    );
  });
});
