import { runs } from '@quarry/db/schema';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellsIn, freshWorkspace } from '../attacks10/kit';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { bodyReader, httpCall, runsOfCell } from './kit';

// runs.query in HTTP batches, in parallel, and mixed with runs.start and runs.cancel: the caps on
// queued and running runs (per member, per workspace) hold whichever way the starts come, and a
// call that is answered with an error stores nothing.

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 2 });
}, 120_000);
afterAll(() => h?.close());

const activeOf = (workspaceId: string) =>
  h.database.db
    .select({ id: runs.id, ownerId: runs.ownerId, cellId: runs.cellId })
    .from(runs)
    .where(and(eq(runs.workspaceId, workspaceId), inArray(runs.status, ['queued', 'running'])));

const count = (text: string, needle: string) => text.split(needle).length - 1;

const settled = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({
      ok: false as const,
      error: error as { code?: string; quarry?: { code?: string } },
    }),
  );

describe('the per-member cap', () => {
  it('an HTTP batch of 10 runs.query calls under a cap of 6: 6 start and stream, 4 are refused, 6 runs stored', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 10);
    h.deps.runCaps = { perUser: 6, perWorkspace: 200 };
    try {
      const res = await httpCall(h, {
        userId: ws.users.editor.id,
        workspaceId: ws.workspaceId,
        calls: cellIds.map((cellId, i) => ({
          path: 'runs.query',
          input: { projectId: ws.projectId, cellId, source: `select ${i}` },
        })),
      });
      const body = bodyReader(res);
      const deadline = Date.now() + 10_000;
      while (
        (count(body.text, '"type":"started"') < 6 || count(body.text, 'runs.too_many_active') < 4) &&
        Date.now() < deadline
      ) {
        if (!(await body.until('\n', 500))) break;
        await body.until(`${body.text}x`, 200);
      }
      await body.cancel().catch(() => {});
      expect(count(body.text, '"type":"started"')).toBe(6);
      expect(count(body.text, 'runs.too_many_active')).toBeGreaterThanOrEqual(4);
      expect(await activeOf(ws.workspaceId)).toHaveLength(6);
    } finally {
      h.deps.runCaps = undefined;
    }
  });

  it('30 parallel calls, runs.query and runs.start mixed, by one Editor: exactly 25 accepted', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 30);
    const editor = await h.as(ws, 'editor');
    const results = await Promise.all(
      cellIds.map((cellId, i) =>
        settled<unknown>(
          i % 2 === 0
            ? editor.runs.query({ projectId: ws.projectId, cellId, source: `select ${i}` })
            : editor.runs.start({ projectId: ws.projectId, cellId, source: `select ${i}` }),
        ),
      ),
    );
    const refused = results.flatMap((r) => (r.ok ? [] : [r.error]));
    expect(results.filter((r) => r.ok)).toHaveLength(25);
    expect(refused.map((e) => e.quarry?.code)).toEqual(Array(5).fill('runs.too_many_active'));
    expect(await activeOf(ws.workspaceId)).toHaveLength(25);
  });

  it('the workspace cap across members holds for runs.query', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 2);
    h.deps.runCaps = { perUser: 25, perWorkspace: 3 };
    try {
      const callers = await Promise.all([h.as(ws, 'editor'), h.as(ws, 'manager'), h.as(ws, 'admin')]);
      const results = await Promise.all(
        callers.flatMap((caller) =>
          cellIds.map((cellId, i) =>
            settled(caller.runs.query({ projectId: ws.projectId, cellId, source: `select ${i}` })),
          ),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(3);
      expect(
        results
          .flatMap((r) => (r.ok ? [] : [r.error.quarry?.code]))
          .every((c) => c === 'runs.too_many_active'),
      ).toBe(true);
      expect(await activeOf(ws.workspaceId)).toHaveLength(3);
    } finally {
      h.deps.runCaps = undefined;
    }
  });
});

describe('runs.query mixed with runs.start and runs.cancel in one batch', () => {
  it('runs.start and runs.query of the same cell in one batch: one run of the cell is left active', async () => {
    const ws = await freshWorkspace(h);
    const [cellId] = await cellsIn(h, ws, 1);
    if (!cellId) throw new Error('no cell');
    const earlier = await (await h.as(ws, 'editor')).runs.start({
      projectId: ws.projectId,
      cellId,
      source: 'select 0',
    });
    const res = await httpCall(h, {
      userId: ws.users.editor.id,
      workspaceId: ws.workspaceId,
      calls: [
        { path: 'runs.start', input: { projectId: ws.projectId, cellId, source: 'select 1' } },
        { path: 'runs.query', input: { projectId: ws.projectId, cellId, source: 'select 2' } },
        { path: 'runs.cancel', input: { runId: earlier.id } },
      ],
    });
    const body = bodyReader(res);
    await body.until('"type":"started"', 5000);
    await body.until('"status":"', 1000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await body.cancel().catch(() => {});
    const all = await runsOfCell(h, cellId);
    expect(all).toHaveLength(3);
    expect(all.filter((r) => r.status === 'queued' || r.status === 'running')).toHaveLength(1);
    expect(all.find((r) => r.id === earlier.id)?.status).toBe('cancelled');
  });

  it('refuses runs.query in a non-streaming batch (plain httpBatchLink, no JSON lines) before it starts a run', async () => {
    const ws = await freshWorkspace(h);
    const [cellId] = await cellsIn(h, ws, 1);
    if (!cellId) throw new Error('no cell');
    const res = await httpCall(h, {
      userId: ws.users.editor.id,
      workspaceId: ws.workspaceId,
      stream: false,
      calls: [{ path: 'runs.query', input: { projectId: ws.projectId, cellId, source: 'select 5' } }],
    });
    const body = bodyReader(res);
    await body.until(null, 3000);
    await body.cancel().catch(() => {});
    const answeredError = /"error"/.test(body.text);
    const stored = await runsOfCell(h, cellId);
    // A refusal stores nothing; an answer carries the run it started.
    expect(
      { answeredError, stored: stored.map((r) => r.status) },
      `answer: ${body.text.slice(0, 600)}`,
    ).toEqual(answeredError ? { answeredError, stored: [] } : { answeredError, stored: ['queued'] });
  });
});
