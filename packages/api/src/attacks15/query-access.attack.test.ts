import { apiTokens, cells, connections, projectGrants, workspaceMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { cellOf, drain, privateProject, revokeViewResults, runsOfCell } from './kit';

// Who may call runs.query, and with which ids: every refusal must store nothing (no run, no job,
// no saved source) and name nothing of another workspace or project.

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 2 });
}, 120_000);
afterAll(() => h?.close());

const sourceOf = async (cellId: string) =>
  (await h.database.db.select({ source: cells.source }).from(cells).where(eq(cells.id, cellId)))[0]?.source;

/** The call was refused and nothing of it was stored: no run of the cell, its source as it was. */
async function refusedStoringNothing(call: Promise<unknown>, cellId: string, before = 'select 1') {
  const refused = await refusal(call);
  expect(await runsOfCell(h, cellId)).toEqual([]);
  expect(await sourceOf(cellId)).toBe(before);
  return refused;
}

const ATTACK_SQL = 'select 1 as attacker_was_here';

describe('callers who may not start a run', () => {
  for (const role of ['viewer', 'guest'] as const) {
    it(`refuses A's ${role} on the workspace-shared project, storing nothing`, async () => {
      const cellId = await cellOf(h, h.a.workspaceId, h.a.projectId, h.a.connectionId);
      const caller = await h.as(h.a, role);
      const refused = await refusedStoringNothing(
        caller.runs.query({ projectId: h.a.projectId, cellId, source: ATTACK_SQL }),
        cellId,
      );
      expect(refused.quarry).toMatch(/^(access|not_found)\./);
    });
  }

  it('refuses a signed-out caller with auth.signed_out, storing nothing', async () => {
    const cellId = await cellOf(h, h.a.workspaceId, h.a.projectId, h.a.connectionId);
    const refused = await refusedStoringNothing(
      (await h.anonymous()).runs.query({ projectId: h.a.projectId, cellId, source: ATTACK_SQL }),
      cellId,
    );
    expect(refused.quarry).toBe('auth.signed_out');
  });

  it('refuses a revoked API token, storing nothing', async () => {
    const cellId = await cellOf(h, h.a.workspaceId, h.a.projectId, h.a.connectionId);
    const { token } = await h.withToken(h.a, 'editor');
    await h.database.db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(eq(apiTokens.userId, h.a.users.editor.id));
    const again = await h.callerWithHeaders(new Headers({ authorization: `Bearer ${token}` }));
    const refused = await refusedStoringNothing(
      again.caller.runs.query({ projectId: h.a.projectId, cellId, source: ATTACK_SQL }),
      cellId,
    );
    expect(refused.quarry).toMatch(/^auth\./);
  });

  it('refuses a deactivated member whose session was made before, storing nothing', async () => {
    const cellId = await cellOf(h, h.a.workspaceId, h.a.projectId, h.a.connectionId);
    const caller = await h.as(h.a, 'explorer');
    const who = and(
      eq(workspaceMembers.workspaceId, h.a.workspaceId),
      eq(workspaceMembers.userId, h.a.users.explorer.id),
    );
    await h.database.db.update(workspaceMembers).set({ role: 'editor' }).where(who);
    await h.database.db.update(workspaceMembers).set({ deactivatedAt: new Date() }).where(who);
    try {
      await refusedStoringNothing(
        caller.runs.query({ projectId: h.a.projectId, cellId, source: ATTACK_SQL }),
        cellId,
      );
    } finally {
      await h.database.db.update(workspaceMembers).set({ deactivatedAt: null, role: 'explorer' }).where(who);
    }
  });

  it('refuses a member who lost Can edit between two calls on the same caller', async () => {
    const s = await privateProject(h);
    const editor = await h.as(h.a, 'editor');
    const first = await drain(
      (await editor.runs.query({
        projectId: s.projectId,
        cellId: s.cellId,
        source: 'select 2',
      })) as AsyncIterable<unknown>,
      { ms: 300 },
    );
    expect(first.events[0]?.type).toBe('started');
    await h.database.db
      .update(projectGrants)
      .set({ permission: 'can_view' })
      .where(and(eq(projectGrants.projectId, s.projectId), eq(projectGrants.userId, h.a.users.editor.id)));
    const refused = await refusal(
      editor.runs.query({ projectId: s.projectId, cellId: s.cellId, source: ATTACK_SQL }),
    );
    expect(refused.quarry).toMatch(/^access\./);
    expect(await runsOfCell(h, s.cellId)).toHaveLength(1);
    expect(await sourceOf(s.cellId)).toBe('select 2');
  });

  it('refuses an Editor without Can query on the cell’s connection, storing nothing', async () => {
    const s = await privateProject(h);
    await revokeViewResults(h, s.connectionId);
    const editor = await h.as(h.a, 'editor');
    const refused = await refusedStoringNothing(
      editor.runs.query({ projectId: s.projectId, cellId: s.cellId, source: ATTACK_SQL }),
      s.cellId,
    );
    expect(refused.quarry).toMatch(/^access\./);
  });
});

describe('ids mixed across projects and workspaces', () => {
  it("A's Editor naming A's project and a cell of B's project: not found, B's cell untouched", async () => {
    const cellOfB = await cellOf(h, h.b.workspaceId, h.b.projectId, h.b.connectionId);
    const editor = await h.as(h.a, 'editor');
    const refused = await refusedStoringNothing(
      editor.runs.query({ projectId: h.a.projectId, cellId: cellOfB, source: ATTACK_SQL }),
      cellOfB,
    );
    expect(refused.quarry).toMatch(/^not_found\./);
    expect(refused.text).not.toContain(h.b.projectId);
  });

  it("B's Editor naming A's project and A's cell: not found, A's cell untouched", async () => {
    const cellOfA = await cellOf(h, h.a.workspaceId, h.a.projectId, h.a.connectionId);
    const editor = await h.as(h.b, 'editor');
    const refused = await refusedStoringNothing(
      editor.runs.query({ projectId: h.a.projectId, cellId: cellOfA, source: ATTACK_SQL }),
      cellOfA,
    );
    expect(refused.code).toBe('NOT_FOUND');
  });

  it("A's Editor naming a project it may edit and a cell of a project of A closed to it: not found", async () => {
    const closed = await privateProject(h, [h.a.users.manager.id]);
    const editor = await h.as(h.a, 'editor');
    const refused = await refusedStoringNothing(
      editor.runs.query({ projectId: h.a.projectId, cellId: closed.cellId, source: ATTACK_SQL }),
      closed.cellId,
    );
    expect(refused.quarry).toMatch(/^not_found\./);
    expect(refused.text).not.toContain(closed.projectId);
  });

  it('a cell of its project pointed (in the database) at a connection of B: refused, nothing stored', async () => {
    const cellId = await cellOf(h, h.a.workspaceId, h.a.projectId, h.b.connectionId);
    const editor = await h.as(h.a, 'editor');
    const refused = await refusedStoringNothing(
      editor.runs.query({ projectId: h.a.projectId, cellId, source: ATTACK_SQL }),
      cellId,
    );
    expect(refused.quarry).toBe('connections.not_in_project');
    const [b] = await h.database.db
      .select({ name: connections.name })
      .from(connections)
      .where(eq(connections.id, h.b.connectionId));
    expect(refused.text).not.toContain(h.b.connectionId);
    if (b) expect(refused.text).not.toContain(b.name);
  });

  it('a cell on a connection of A the project does not import: refused, nothing stored', async () => {
    const other = await privateProject(h, [h.a.users.manager.id]);
    const cellId = await cellOf(h, h.a.workspaceId, h.a.projectId, other.connectionId);
    const editor = await h.as(h.a, 'editor');
    const refused = await refusedStoringNothing(
      editor.runs.query({ projectId: h.a.projectId, cellId, source: ATTACK_SQL }),
      cellId,
    );
    expect(refused.quarry).toBe('connections.not_in_project');
  });

  it('ids shaped as injection or paths are not found, and store nothing', async () => {
    const editor = await h.as(h.a, 'editor');
    for (const [projectId, cellId] of [
      [h.a.projectId, "cel_x' or '1'='1"],
      ["prj_x' or '1'='1", h.a.cellId],
      [h.a.projectId, '%'],
      [h.a.projectId, '../cells'],
      [`${h.a.projectId}%`, h.a.cellId],
    ] as const) {
      const refused = await refusal(editor.runs.query({ projectId, cellId, source: ATTACK_SQL }));
      expect(['NOT_FOUND', 'BAD_REQUEST'], `${projectId} ${cellId}`).toContain(refused.code);
    }
    expect(await sourceOf(h.a.cellId)).toBe('select 1 as one');
    expect(await runsOfCell(h, h.a.cellId)).toEqual([]);
  });
});
