import { cells, runs } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { cellOf, drain, runsOfCell } from './kit';

// Text sent to runs.query is data: the source and input values are stored as sent (bound, never
// spliced into Quarry's own statements), and what PostgreSQL cannot hold is refused before
// anything is stored.

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 2 });
}, 120_000);
afterAll(() => h?.close());

const tableCount = async (table: string) =>
  (
    await h.database.sql<{ n: number }[]>`select count(*)::int as n from information_schema.tables
    where table_schema = 'public' and table_name = ${table}`
  )[0]?.n;

describe('injection through source and inputs', () => {
  it("a source that would close Quarry's own statement is stored verbatim as the run's and the cell's source", async () => {
    const cellId = await cellOf(h, h.a.workspaceId, h.a.projectId, h.a.connectionId);
    const editor = await h.as(h.a, 'editor');
    const source = "select 1 as x -- '); delete from runs; update cells set source = 'pwned'; --";
    const before = (await h.database.db.select({ id: runs.id }).from(runs)).length;
    const stream = (await editor.runs.query({
      projectId: h.a.projectId,
      cellId,
      source,
    })) as AsyncIterable<unknown>;
    const { events } = await drain(stream, { ms: 300 });
    expect(events[0]?.type).toBe('started');
    const [run] = await runsOfCell(h, cellId);
    expect(run?.source).toBe(source);
    const [cell] = await h.database.db
      .select({ source: cells.source })
      .from(cells)
      .where(eq(cells.id, cellId));
    expect(cell?.source).toBe(source);
    expect((await h.database.db.select({ id: runs.id }).from(runs)).length).toBe(before + 1);
    expect(
      (await h.database.db.select({ source: cells.source }).from(cells).where(eq(cells.source, 'pwned')))
        .length,
    ).toBe(0);
    expect(await tableCount('runs')).toBe(1);
  });

  it('inputs with prototype keys and SQL in their names do not pollute the server nor reach a statement', async () => {
    const cellId = await cellOf(h, h.a.workspaceId, h.a.projectId, h.a.connectionId);
    const editor = await h.as(h.a, 'editor');
    const inputs = JSON.parse(
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"x\'); drop table runs; --":"1"}',
    );
    const answer = await editor.runs
      .query({ projectId: h.a.projectId, cellId, source: 'select 1', inputs })
      .then(
        async (stream) => ({
          ok: true as const,
          events: (await drain(stream as AsyncIterable<unknown>, { ms: 300 })).events,
        }),
        (error: unknown) => ({ ok: false as const, error: String(error) }),
      );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await tableCount('runs')).toBe(1);
    if (answer.ok) expect(answer.events[0]?.type).toBe('started');
    else expect((await runsOfCell(h, cellId)).length).toBe(0);
  });

  for (const [what, source] of [
    ['a NUL', 'select 1 \u0000 as x'],
    ['a lone surrogate', 'select 1 as \ud800x'],
    ['an empty source', ''],
    ['a source over the 100,000 limit', `select ${'1'.repeat(100_001)}`],
  ] as const) {
    it(`a source with ${what} is refused as invalid input, storing nothing`, async () => {
      const cellId = await cellOf(h, h.a.workspaceId, h.a.projectId, h.a.connectionId);
      const editor = await h.as(h.a, 'editor');
      const refused = await refusal(editor.runs.query({ projectId: h.a.projectId, cellId, source }));
      // input.invalid on the wire (the error formatter words a schema refusal so); BAD_REQUEST here.
      expect(refused.quarry === 'input.invalid' || refused.code === 'BAD_REQUEST').toBe(true);
      expect(await runsOfCell(h, cellId)).toEqual([]);
      const [cell] = await h.database.db
        .select({ source: cells.source })
        .from(cells)
        .where(eq(cells.id, cellId));
      expect(cell?.source).toBe('select 1');
    });
  }

  for (const rowLimit of [0, -1, 1.5, 1e12]) {
    it(`rowLimit ${rowLimit} is refused as invalid input, storing nothing`, async () => {
      const cellId = await cellOf(h, h.a.workspaceId, h.a.projectId, h.a.connectionId);
      const editor = await h.as(h.a, 'editor');
      const refused = await refusal(
        editor.runs.query({ projectId: h.a.projectId, cellId, source: 'select 9', rowLimit }),
      );
      // input.invalid on the wire (the error formatter words a schema refusal so); BAD_REQUEST here.
      expect(refused.quarry === 'input.invalid' || refused.code === 'BAD_REQUEST').toBe(true);
      expect(await runsOfCell(h, cellId)).toEqual([]);
    });
  }
});
