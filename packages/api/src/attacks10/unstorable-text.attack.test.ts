import { cells } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { cellsIn, expectNoInternals, freshWorkspace, postBatch } from './kit';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ orders: 5 });
});
afterAll(() => h?.close());

// Half of a character (a lone UTF-16 surrogate) is no character: PostgreSQL's text would store
// U+FFFD in its place, silently changing what was saved, and its json refuses it with an error the
// caller would see as a 500. The gate refuses it as bad input everywhere, as it refuses a NUL.
const HALVES = ['select 1 -- \ud800', 'select 1 -- \udc00 tail', `${'😀'.slice(0, 1)} cut`];

describe('text PostgreSQL cannot hold as sent', () => {
  it('is refused as input.invalid wherever it comes (a saved source, a run, an input value, a key), and changes nothing', async () => {
    const ws = await freshWorkspace(h);
    const [cellId] = await cellsIn(h, ws, 1);
    if (!cellId) throw new Error('no cell');
    const calls = HALVES.flatMap((half) => [
      { path: 'projects.updateCell', input: { projectId: ws.projectId, cellId, source: half } },
      { path: 'runs.start', input: { projectId: ws.projectId, cellId, source: half } },
      {
        path: 'runs.start',
        input: { projectId: ws.projectId, cellId, source: 'select 1', inputs: { x: half } },
      },
      {
        path: 'runs.start',
        input: { projectId: ws.projectId, cellId, source: 'select 1', inputs: { [half]: 'value' } },
      },
    ]);
    for (let i = 0; i < calls.length; i += 4) {
      const answered = await postBatch(h, ws.users.editor.id, ws.workspaceId, calls.slice(i, i + 4));
      expectNoInternals(answered.text);
      for (const answer of answered.answers) {
        expect(answer.error?.json?.data?.httpStatus).toBe(400);
        expect(answer.error?.json?.data?.quarry).toMatchObject({
          code: 'input.invalid',
          message: 'Text holds half of a character (a lone UTF-16 surrogate), which cannot be stored',
        });
      }
    }
    const [cell] = await h.database.db
      .select({ source: cells.source })
      .from(cells)
      .where(eq(cells.id, cellId));
    expect(cell?.source).toBe('select 1');
    const runs = await h.deps.sql`select id from runs where cell_id = ${cellId}`;
    expect(runs).toHaveLength(0);
  });

  it('lets whole characters through, those outside the BMP included, saved exactly', async () => {
    const ws = await freshWorkspace(h);
    const [cellId] = await cellsIn(h, ws, 1);
    if (!cellId) throw new Error('no cell');
    const source = 'select 1 -- 😀 e\u0301 \u202e';
    const answered = await postBatch(h, ws.users.editor.id, ws.workspaceId, [
      { path: 'projects.updateCell', input: { projectId: ws.projectId, cellId, source } },
    ]);
    expect(answered.answers[0]?.error).toBeUndefined();
    const [cell] = await h.database.db
      .select({ source: cells.source })
      .from(cells)
      .where(eq(cells.id, cellId));
    expect(cell?.source).toBe(source);
  });
});
