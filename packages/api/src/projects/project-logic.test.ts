import { cells, projects, runs } from '@quarry/db/schema';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuarryTRPCError } from '../errors';
import { type ApiHarness, createApiHarness } from '../testing/harness';

/** SQL no other part of a response could contain, so its absence means the logic was not sent. */
const SECRET_SQL = "select 'logic-canary-7f3a' as marker, sum(total) from orders where status = 'paid'";

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
  await h.database.db.update(cells).set({ source: SECRET_SQL }).where(eq(cells.id, h.a.cellId));
});
afterAll(() => h?.close());

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof QuarryTRPCError) return { code: error.code, quarry: error.quarry.code };
    if (error instanceof TRPCError) return { code: error.code, quarry: undefined };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Can view is the app only (issue 7, item 10)', () => {
  it("sends a Can view holder's projects.get no SQL and no connection", async () => {
    // The fixture shares the project at Can edit with Workspace (a Viewer is capped at Can view)
    // and at Can view with Workspace guests.
    for (const role of ['viewer', 'guest'] as const) {
      const caller = await h.as(h.a, role);
      const detail = await caller.projects.get({ projectId: h.a.projectId });
      expect(detail.permission).toBe('can_view');
      expect(detail.logicHidden).toBe(true);
      expect(detail.cells).toEqual([{ id: h.a.cellId, kind: 'sql', position: 0 }]);
      const json = JSON.stringify(detail);
      expect(json).not.toContain('logic-canary-7f3a');
      expect(json).not.toContain('sum(total)');
      expect(json).not.toContain(h.a.connectionId);
    }
  });

  it("sends a Can explore holder's projects.get the SQL and the connections", async () => {
    const explorer = await h.as(h.a, 'explorer');
    const detail = await explorer.projects.get({ projectId: h.a.projectId });
    expect(detail.permission).toBe('can_explore');
    if (detail.logicHidden) throw new Error('an explorer should see the logic');
    expect(detail.cells).toEqual([
      {
        id: h.a.cellId,
        name: 'query_1',
        kind: 'sql',
        position: 0,
        connectionId: h.a.connectionId,
        source: SECRET_SQL,
        connectionNote: null,
      },
    ]);
    expect(detail.connections.map((c) => c.id)).toEqual([h.a.connectionId]);
  });

  it('gives a Can view holder no other way to the SQL: list, run, duplicate, sharing', async () => {
    const viewer = await h.as(h.a, 'viewer');
    expect(JSON.stringify(await viewer.projects.list())).not.toContain('logic-canary-7f3a');
    // Runs take their SQL from the caller, so running needs Can edit: a Can view holder runs nothing.
    const before = await h.database.db.select({ id: runs.id }).from(runs);
    expect(
      await refusal(viewer.runs.start({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 1' })),
    ).toMatchObject({ code: 'FORBIDDEN' });
    expect(await h.database.db.select({ id: runs.id }).from(runs)).toEqual(before);
    const projectsBefore = await h.database.db.select({ id: projects.id }).from(projects);
    expect(
      await refusal(viewer.sharing.duplicate({ projectId: h.a.projectId, name: 'Copy of the logic' })),
    ).toMatchObject({ code: 'FORBIDDEN' });
    expect(await h.database.db.select({ id: projects.id }).from(projects)).toEqual(projectsBefore);
    expect(await refusal(viewer.sharing.get({ projectId: h.a.projectId }))).toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});
