import { runs } from '@quarry/db/schema';
import { createWorkspaceFixture, type WorkspaceFixture } from '@quarry/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRun } from '../execute-run';
import { insertRun } from '../testing/insert-run';
import { type RunnerFixture, startRunnerFixture } from '../testing/runner-fixture';

// A run row of workspace B edited to name workspace A's connection. The take counts B's runs
// alone, so A's connection being at its cap does not hold it; what must hold then is that the run
// never queries A's connection (which would put A's connection past its cap, and read A's data).

let started: RunnerFixture;
let other: WorkspaceFixture;

beforeAll(async () => {
  started = await startRunnerFixture({ orders: 1 });
  other = await createWorkspaceFixture(started.database.db, {
    vault: started.vault,
    warehouse: started.warehouse.reader,
  });
}, 120_000);

afterAll(async () => {
  await started?.drop();
});

const CAPS = { ownerLimit: 25, connectionLimit: 1 };

describe("a run of workspace B naming workspace A's connection", () => {
  it("is not held by A's full connection, and fails without querying it", async () => {
    const { database, fixture, deps } = started;
    // A's connection at its cap: one of A's runs running on it.
    await insertRun(database.db, fixture, { status: 'running', startedAt: new Date() });
    const foreign = await insertRun(database.db, other, {
      ownerId: other.users.editor.id,
      connectionId: fixture.connectionId,
      source: 'select 1 as one',
    });
    const outcome = await executeRun(
      deps,
      { runId: foreign, workspaceId: other.workspaceId },
      new AbortController().signal,
      { retriesLeft: 0, admission: CAPS },
    );
    const [row] = await database.db.select().from(runs).where(eq(runs.id, foreign));
    expect({
      outcome,
      status: row?.status,
      code: (row?.error as { code?: string } | null)?.code,
      rowCount: row?.rowCount ?? null,
    }).toEqual({
      outcome: undefined,
      status: 'failed',
      code: 'run.connection_deleted',
      rowCount: null,
    });
    // And nothing of B's run reached the warehouse: no chunk, no columns.
    const [chunks] = await database.sql<{ n: number }[]>`
      select count(*)::int as n from run_chunks where run_id = ${foreign}`;
    expect(chunks?.n).toBe(0);
    expect(row?.columns ?? null).toBeNull();
  });
});
