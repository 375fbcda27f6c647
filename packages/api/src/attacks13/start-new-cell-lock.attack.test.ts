import { newId } from '@quarry/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshWorkspace, openTransactions, storedBy } from '../attacks10/kit';
import { type ApiHarness, createApiHarness } from '../testing/harness';

// Found by this suite as a flaw of fbd06c6 (failing at fbd06c6..7a1c04c), fixed by c6f301f; kept
// as its regression test. fbd06c6 took the project's FOR SHARE and the cell's FOR NO KEY UPDATE in
// ONE statement (two scalar subqueries). In READ COMMITTED a statement has one snapshot, taken
// when it starts: a start that waited on the project lock (a notebook edit holds it FOR NO KEY
// UPDATE) then ran the cell subquery with the snapshot from before the wait. A cell that the edit
// inserted was invisible to it, so its row was NOT locked (the subquery answered null, which the
// start never checked), while the cells were read by a later statement that did see it, and the
// start went on. Two starts of that cell by its owner then no longer went one after the other:
// neither saw the other's run, and both stayed queued (the second did not supersede the first).
//
// Reachability: the edit here is made straight in the database, as lockNotebook does it (project
// FOR NO KEY UPDATE, then insert the cell). Through the API a caller learns a new cell's id only
// after its add committed (ids are made by the server), so it was latent: any future path that
// inserts cells under the lock with ids a client knows (import, undo, client-made ids) reaches it.

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 2 });
}, 120_000);
afterAll(() => h?.close());

describe('a cell inserted by an edit that the starts waited on', () => {
  it('two starts of it by its owner still go one after the other: one run active, the other superseded', async () => {
    const ws = await freshWorkspace(h);
    const editor = await h.as(ws, 'editor');
    const cellId = newId('cell');
    // The edit: the notebook held as lockNotebook holds it, the new cell inserted, not committed yet.
    const edit = await h.deps.sql.reserve();
    try {
      await edit`begin`;
      await edit`select id from projects where id = ${ws.projectId} for no key update`;
      await edit`insert into cells (id, workspace_id, project_id, position, name, kind, connection_id, source)
        values (${cellId}, ${ws.workspaceId}, ${ws.projectId}, 1, ${`new_${cellId.slice(-6)}`}, 'sql',
          ${ws.connectionId}, 'select 0')`;
      // Two starts of the new cell, sent while the edit holds the notebook: both wait on it.
      const starts = [1, 2].map((n) =>
        editor.runs.start({ projectId: ws.projectId, cellId, source: `select ${n} as n` }).then(
          (run) => ({ ok: true as const, run }),
          (error: unknown) => ({ ok: false as const, error: String(error) }),
        ),
      );
      const deadline = Date.now() + 10_000;
      for (;;) {
        const [waiting] = await h.deps.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`;
        if ((waiting?.n ?? 0) >= 2) break;
        if (Date.now() > deadline) throw new Error('the starts never waited on the notebook');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await edit`commit`;
      const answers = await Promise.all(starts);
      expect(answers.map((a) => a.ok)).toEqual([true, true]);
    } finally {
      edit.release();
    }
    const stored = await storedBy(h, ws.workspaceId);
    const ofCell = stored.runs.filter((r) => r.cell_id === cellId);
    expect(ofCell).toHaveLength(2);
    // The contract: the later start cancelled the earlier one's run.
    expect(ofCell.map((r) => r.status).sort()).toEqual(['cancelled', 'queued']);
    expect(await openTransactions(h)).toEqual([]);
  });
});
