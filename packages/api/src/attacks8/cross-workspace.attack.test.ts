import { cells, projects, workspaceMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupIn, projectIn, refusal, sqlCellIn, uniqueName } from '../testing/fixtures';
import type { ApiHarness } from '../testing/harness';
import {
  alsoJoin,
  asUser,
  attackWorkspaces,
  connectionOf,
  grantRow,
  groupMemberRow,
  linkRow,
  memberOf,
  tenantCounts,
} from './facts-kit';

// The gate (trpc.ts decideForMember, one loadMemberProjectFacts statement per call) attacked
// through the procedures: another workspace's ids, a person in two workspaces with different roles,
// edited rows, members who left mid-session, restricted connections, and the web share. Every
// refusal is NOT_FOUND (ids do not leak) unless the project is visibly shared with the caller.
let h: ApiHarness;
let A: string;
let B: string;

beforeAll(async () => {
  ({ h, A, B } = await attackWorkspaces());
}, 60_000);
afterAll(() => h?.close());

type Caller = Awaited<ReturnType<ApiHarness['as']>>;

/** Every project-scoped procedure an attacker would aim at `projectId`, at each permission tier. */
function projectCalls(caller: Caller, projectId: string, cellId: string) {
  return {
    'projects.get': () => caller.projects.get({ projectId }),
    'sharing.get': () => caller.sharing.get({ projectId }),
    'sharing.share': () =>
      caller.sharing.share({
        projectId,
        target: { kind: 'group', groupId: 'workspace' },
        permission: 'full_access',
      }),
    'sharing.shareWithWeb': () => caller.sharing.shareWithWeb({ projectId, enabled: true }),
    'projects.addCell': () =>
      caller.projects.addCell({
        projectId,
        kind: 'sql',
        afterCellId: null,
        name: uniqueName('x').replace(' ', '_'),
      }),
    'runs.start': () => caller.runs.start({ projectId, cellId, source: 'select 1' }),
  };
}

/** Every call must be refused with `code`, its error naming nothing of the project. */
async function allRefused(
  caller: Caller,
  projectId: string,
  cellId: string,
  code: string,
  secretName: string,
) {
  for (const [name, call] of Object.entries(projectCalls(caller, projectId, cellId))) {
    const refused = await refusal(call());
    expect(refused.code, name).toBe(code);
    expect(refused.text, name).not.toContain(secretName);
  }
}

describe("another workspace's project ids", () => {
  it("A's Admin and Editor, and B's Admin the other way, get NOT_FOUND from every project procedure; nothing changes", async () => {
    const nameB = uniqueName('secret plans of B');
    const nameA = uniqueName('secret plans of A');
    const projectB = await projectIn(
      h,
      h.b,
      [{ userId: h.b.users.editor.id, permission: 'full_access' }],
      nameB,
    );
    const projectA = await projectIn(
      h,
      h.a,
      [{ userId: h.a.users.editor.id, permission: 'full_access' }],
      nameA,
    );
    const cellB = await sqlCellIn(h, h.b, projectB, h.b.connectionId);
    const cellA = await sqlCellIn(h, h.a, projectA, h.a.connectionId);
    const before = await tenantCounts(h);
    for (const caller of [await h.as(h.a, 'admin'), await h.as(h.a, 'editor')]) {
      await allRefused(caller, projectB, cellB, 'NOT_FOUND', nameB);
    }
    await allRefused(await h.as(h.b, 'admin'), projectA, cellA, 'NOT_FOUND', nameA);
    expect(await tenantCounts(h)).toEqual(before);
  });

  it('a person who is a Viewer in A and an Admin in B acts as the Viewer in A, and reaches B only from B', async () => {
    const person = await memberOf(h, h.a, 'viewer');
    await alsoJoin(h, person, h.b, 'admin');
    const projectA = await projectIn(h, h.a, [{ userId: person, permission: 'full_access' }]);
    const projectB = await projectIn(h, h.b);
    const cellA = await sqlCellIn(h, h.a, projectA, h.a.connectionId);
    const inA = await asUser(h, person, A);
    // Capped at Can view in A whatever the grant says, though an Admin next door.
    const seen = await inA.projects.get({ projectId: projectA });
    expect(seen).toMatchObject({ logicHidden: true, permission: 'can_view' });
    for (const call of ['sharing.share', 'sharing.shareWithWeb', 'projects.addCell', 'runs.start'] as const) {
      const refused = await refusal(projectCalls(inA, projectA, cellA)[call]());
      expect(refused.code, call).toBe('FORBIDDEN');
    }
    expect((await refusal(inA.projects.get({ projectId: projectB }))).code).toBe('NOT_FOUND');
    // From B, B's project opens with Full access (an Admin of B) and A's does not exist.
    const inB = await asUser(h, person, B);
    expect(await inB.projects.get({ projectId: projectB })).toMatchObject({ permission: 'full_access' });
    expect((await refusal(inB.projects.get({ projectId: projectA }))).code).toBe('NOT_FOUND');
  });
});

describe('edited rows, through the gate', () => {
  it('grants and group memberships that point across workspaces open nothing', async () => {
    const editor = await memberOf(h, h.a, 'editor');
    const project = await projectIn(h, h.a);
    const cell = await sqlCellIn(h, h.a, project, h.a.connectionId);
    const groupB = await groupIn(h, h.b, []);
    // A grant of Full access in a row that says it is B's; a group of B given A's project; the
    // editor written into B's group by a row that says it is A's.
    await grantRow(h, { workspaceId: B, projectId: project, userId: editor, permission: 'full_access' });
    await grantRow(h, { workspaceId: A, projectId: project, groupId: groupB, permission: 'full_access' });
    await groupMemberRow(h, { groupId: groupB, userId: editor, workspaceId: A });
    const before = await tenantCounts(h);
    await allRefused(await asUser(h, editor, A), project, cell, 'NOT_FOUND', project);
    expect(await tenantCounts(h)).toEqual(before);
  });

  it("a project linked to another workspace's restricted connection is closed, with the reason and no cell", async () => {
    const editor = await memberOf(h, h.a, 'editor');
    const project = await projectIn(h, h.a, [{ userId: editor, permission: 'full_access' }]);
    await sqlCellIn(h, h.a, project, h.a.connectionId);
    const groupB = await groupIn(h, h.b, []);
    const foreign = await connectionOf(h, h.b, { canQuery: [groupB], canViewResults: [groupB] });
    await linkRow(h, { projectId: project, connectionId: foreign, workspaceId: B });
    const refused = await refusal((await asUser(h, editor, A)).projects.get({ projectId: project }));
    expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.closed_no_can_view_results' });
    expect(refused.text).not.toContain('select 1');
  });
});

describe('members who left while their session was open', () => {
  it('deactivated, or removed with their grants and groups left behind: NOT_FOUND from the next call', async () => {
    const deactivated = await memberOf(h, h.a, 'editor');
    const removed = await memberOf(h, h.a, 'editor');
    const group = await groupIn(h, h.a, [deactivated, removed]);
    const project = await projectIn(h, h.a, [
      { userId: deactivated, permission: 'full_access' },
      { userId: removed, permission: 'full_access' },
    ]);
    await grantRow(h, { workspaceId: A, projectId: project, groupId: group, permission: 'full_access' });
    const cell = await sqlCellIn(h, h.a, project, h.a.connectionId);
    // Callers whose session was checked before the change: the gate must read the membership anew.
    const first = await asUser(h, deactivated, A);
    const second = await asUser(h, removed, A);
    expect(await first.projects.get({ projectId: project })).toMatchObject({ permission: 'full_access' });
    await h.database.db
      .update(workspaceMembers)
      .set({ deactivatedAt: new Date() })
      .where(and(eq(workspaceMembers.workspaceId, A), eq(workspaceMembers.userId, deactivated)));
    await h.database.db
      .delete(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, A), eq(workspaceMembers.userId, removed)));
    const before = await tenantCounts(h);
    await allRefused(first, project, cell, 'NOT_FOUND', project);
    await allRefused(second, project, cell, 'NOT_FOUND', project);
    expect(await tenantCounts(h)).toEqual(before);
  });
});

describe('restricted connections and the web share', () => {
  it('Can edit given directly, but Can query only for a group the member is not in: Can explore, no edits', async () => {
    const editor = await memberOf(h, h.a, 'editor');
    const project = await projectIn(h, h.a, [{ userId: editor, permission: 'can_edit' }]);
    const connection = await connectionOf(h, h.a, { canQuery: [await groupIn(h, h.a, [])] });
    await linkRow(h, { projectId: project, connectionId: connection, workspaceId: A });
    const cell = await sqlCellIn(h, h.a, project, connection);
    const caller = await asUser(h, editor, A);
    expect(await caller.projects.get({ projectId: project })).toMatchObject({ permission: 'can_explore' });
    const refused = await refusal(
      caller.runs.start({ projectId: project, cellId: cell, source: 'select 2' }),
    );
    expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.downgraded_no_can_query' });
    const [kept] = await h.database.db.select({ source: cells.source }).from(cells).where(eq(cells.id, cell));
    expect(kept?.source).toBe('select 1');
  });

  it('a web-shared project: anonymous callers are signed out, a Viewer of A views it, B does not see it', async () => {
    const name = uniqueName('on the web');
    const project = await projectIn(h, h.a, [], name);
    await (await h.as(h.a, 'admin')).sharing.shareWithWeb({ projectId: project, enabled: true });
    const anonymous = await refusal((await h.anonymous()).projects.get({ projectId: project }));
    expect(anonymous).toMatchObject({ code: 'UNAUTHORIZED', quarry: 'auth.signed_out' });
    expect(anonymous.text).not.toContain(name);
    const viewer = await memberOf(h, h.a, 'viewer');
    expect(await (await asUser(h, viewer, A)).projects.get({ projectId: project })).toMatchObject({
      name,
      permission: 'can_view',
      logicHidden: true,
    });
    expect((await refusal((await h.as(h.b, 'admin')).projects.get({ projectId: project }))).code).toBe(
      'NOT_FOUND',
    );
    const [row] = await h.database.db
      .select({ id: projects.id })
      .from(projects)
      .where(eq(projects.id, project));
    expect(row?.id).toBe(project);
  });
});
