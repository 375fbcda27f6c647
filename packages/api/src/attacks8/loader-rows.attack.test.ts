import { loadMemberActor, loadMemberProjectFacts, loadProjectFacts } from '@quarry/db/access-facts';
import { groupMembers, projects, workspaceMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupIn, projectIn } from '../testing/fixtures';
import type { ApiHarness } from '../testing/harness';
import {
  alsoJoin,
  attackWorkspaces,
  connectionOf,
  decided,
  grantRow,
  groupMemberRow,
  linkRow,
  memberOf,
} from './facts-kit';

// loadMemberProjectFacts attacked directly, with the rows an outsider (or a bad migration, a
// restore, a hand edit) could leave: another workspace's ids in every column, rows whose
// workspace_id disagrees with what they point at, duplicate and conflicting grants, members who are
// gone. Every case says what the loader reads and what the engine then decides from it.
let h: ApiHarness;
let A: string;
let B: string;

beforeAll(async () => {
  ({ h, A, B } = await attackWorkspaces());
}, 60_000);
afterAll(() => h?.close());

describe("another workspace's ids", () => {
  it("a member of A asking for B's project reads themselves and no project; B's own member is not read in A", async () => {
    const theirs = await projectIn(h, h.b, [{ userId: h.b.users.editor.id, permission: 'full_access' }]);
    const mine = await loadMemberProjectFacts(h.database.db, {
      workspaceId: A,
      userId: h.a.users.admin.id,
      projectId: theirs,
    });
    expect(mine.member).toMatchObject({ role: 'admin', userId: h.a.users.admin.id });
    expect(mine.facts).toBeNull();
    const stranger = await loadMemberProjectFacts(h.database.db, {
      workspaceId: A,
      userId: h.b.users.admin.id,
      projectId: h.a.projectId,
    });
    expect(stranger).toEqual({ member: null, facts: null, listed: [] });
  });

  it('a person in both workspaces is read with the role and groups of the workspace asked about, only', async () => {
    const person = await memberOf(h, h.a, 'viewer');
    await alsoJoin(h, person, h.b, 'admin');
    const groupA = await groupIn(h, h.a, [person]);
    const groupB = await groupIn(h, h.b, [person]);
    const projectA = await projectIn(h, h.a);
    const projectB = await projectIn(h, h.b);
    // B's group is given Full access on A's project by a row that says it is A's: not a group of A.
    await grantRow(h, { workspaceId: A, projectId: projectA, groupId: groupB, permission: 'full_access' });
    const inA = await decided(h, { workspaceId: A, userId: person, projectId: projectA });
    expect(inA.loaded.member).toEqual({
      kind: 'member',
      userId: person,
      role: 'viewer',
      customGroupIds: [groupA],
    });
    expect(inA.effective).toBe('none');
    const inB = await decided(h, { workspaceId: B, userId: person, projectId: projectB });
    expect(inB.loaded.member?.role).toBe('admin');
    expect(inB.loaded.member?.customGroupIds).toEqual([groupB]);
    expect(inB.effective).toBe('full_access');
    // The Admin of B asks A's loader about B's project: no project.
    expect(
      (await decided(h, { workspaceId: A, userId: person, projectId: projectB })).loaded.facts,
    ).toBeNull();
  });
});

describe('edited rows that disagree with what they point at', () => {
  it("a group_members row naming another workspace's group (or claiming another workspace) adds no group", async () => {
    const member = await memberOf(h, h.a, 'editor');
    const groupB = await groupIn(h, h.b, []);
    const groupA = await groupIn(h, h.a, []);
    await groupMemberRow(h, { groupId: groupB, userId: member, workspaceId: A });
    await groupMemberRow(h, { groupId: groupA, userId: member, workspaceId: B });
    const project = await projectIn(h, h.a);
    await grantRow(h, { workspaceId: A, projectId: project, groupId: groupB, permission: 'full_access' });
    await grantRow(h, { workspaceId: A, projectId: project, groupId: groupA, permission: 'full_access' });
    const { loaded, effective } = await decided(h, { workspaceId: A, userId: member, projectId: project });
    expect(loaded.member?.customGroupIds).toEqual([]);
    expect(effective).toBe('none');
  });

  it("a grant row whose workspace_id is not the project's gives nothing, whichever way it points", async () => {
    const person = await memberOf(h, h.a, 'editor');
    await alsoJoin(h, person, h.b, 'editor');
    const projectA = await projectIn(h, h.a, [{ userId: person, permission: 'can_view' }]);
    const projectB = await projectIn(h, h.b);
    await grantRow(h, { workspaceId: B, projectId: projectA, userId: person, permission: 'full_access' });
    await grantRow(h, { workspaceId: A, projectId: projectB, userId: person, permission: 'full_access' });
    const inA = await decided(h, { workspaceId: A, userId: person, projectId: projectA });
    expect(inA.loaded.facts?.grants).toEqual([
      { to: { kind: 'user', userId: person }, permission: 'can_view' },
    ]);
    expect(inA.effective).toBe('can_view');
    const inB = await decided(h, { workspaceId: B, userId: person, projectId: projectB });
    expect(inB.loaded.facts?.grants).toEqual([]);
    expect(inB.effective).toBe('none');
  });

  it("a link to another workspace's restricted connection closes the project (fails closed), however the link row is labelled", async () => {
    const member = await memberOf(h, h.a, 'editor');
    const groupB = await groupIn(h, h.b, []);
    const foreign = await connectionOf(h, h.b, { canViewResults: [groupB], canQuery: [groupB] });
    const project = await projectIn(h, h.a, [{ userId: member, permission: 'can_edit' }]);
    await linkRow(h, { projectId: project, connectionId: foreign, workspaceId: B });
    const { loaded, effective } = await decided(h, { workspaceId: A, userId: member, projectId: project });
    expect(loaded.facts?.connections.map((c) => c.id)).toEqual([foreign]);
    expect(effective).toBe('none');
    // A's own restricted connection, its link row claiming B: still A's project's restriction.
    const other = await projectIn(h, h.a, [{ userId: member, permission: 'can_edit' }]);
    const restricted = await connectionOf(h, h.a, { canQuery: [await groupIn(h, h.a, [])] });
    await linkRow(h, { projectId: other, connectionId: restricted, workspaceId: B });
    expect((await decided(h, { workspaceId: A, userId: member, projectId: other })).effective).toBe(
      'can_explore',
    );
  });
});

describe('members who are gone', () => {
  it('a deactivated member, and one whose membership row was deleted while grants and groups stayed, read as nobody', async () => {
    const leaving = await memberOf(h, h.a, 'editor');
    const removed = await memberOf(h, h.a, 'editor');
    const group = await groupIn(h, h.a, [leaving, removed]);
    const project = await projectIn(h, h.a, [
      { userId: leaving, permission: 'full_access' },
      { userId: removed, permission: 'full_access' },
    ]);
    await grantRow(h, { workspaceId: A, projectId: project, groupId: group, permission: 'full_access' });
    await h.database.db
      .update(workspaceMembers)
      .set({ deactivatedAt: new Date() })
      .where(and(eq(workspaceMembers.workspaceId, A), eq(workspaceMembers.userId, leaving)));
    await h.database.db
      .delete(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, A), eq(workspaceMembers.userId, removed)));
    for (const userId of [leaving, removed]) {
      expect(
        await loadMemberProjectFacts(h.database.db, { workspaceId: A, userId, projectId: project }),
      ).toEqual({
        member: null,
        facts: null,
        listed: [],
      });
    }
  });

  it('a creator removed and invited back no longer owns what they made; a removed group membership takes its grant away', async () => {
    const creator = await memberOf(h, h.a, 'editor');
    const project = await projectIn(h, h.a);
    await h.database.db.update(projects).set({ createdBy: creator }).where(eq(projects.id, project));
    expect((await decided(h, { workspaceId: A, userId: creator, projectId: project })).effective).toBe(
      'full_access',
    );
    await h.database.db
      .delete(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, A), eq(workspaceMembers.userId, creator)));
    await alsoJoin(h, creator, h.a, 'editor');
    const back = await decided(h, { workspaceId: A, userId: creator, projectId: project });
    expect(back.loaded.facts?.isProjectOwner).toBe(false);
    expect(back.effective).toBe('none');

    const grouped = await memberOf(h, h.a, 'editor');
    const group = await groupIn(h, h.a, [grouped]);
    await grantRow(h, { workspaceId: A, projectId: project, groupId: group, permission: 'can_edit' });
    expect((await decided(h, { workspaceId: A, userId: grouped, projectId: project })).effective).toBe(
      'can_edit',
    );
    await h.database.db.delete(groupMembers).where(eq(groupMembers.userId, grouped));
    expect((await decided(h, { workspaceId: A, userId: grouped, projectId: project })).effective).toBe(
      'none',
    );
  });
});

describe('conflicting grants: the strongest reaches, the most restrictive connection rules', () => {
  it('duplicate direct grants of every level, in any order of insertion, give the strongest (capped by role)', async () => {
    const orders: string[][] = [
      ['can_view', 'full_access', 'can_explore'],
      ['full_access', 'can_view', 'can_edit'],
      ['can_explore', 'can_edit', 'can_view'],
    ];
    for (const order of orders) {
      const editor = await memberOf(h, h.a, 'editor');
      const explorer = await memberOf(h, h.a, 'explorer');
      const project = await projectIn(h, h.a);
      for (const permission of order) {
        await grantRow(h, { workspaceId: A, projectId: project, userId: editor, permission });
        await grantRow(h, { workspaceId: A, projectId: project, userId: explorer, permission });
      }
      const strongest = order.includes('full_access') ? 'full_access' : 'can_edit';
      const forEditor = await decided(h, { workspaceId: A, userId: editor, projectId: project });
      expect(forEditor.loaded.facts?.grants).toHaveLength(6);
      expect(forEditor.effective, order.join(',')).toBe(strongest);
      expect((await decided(h, { workspaceId: A, userId: explorer, projectId: project })).effective).toBe(
        'can_explore',
      );
    }
  });

  it('a member of many groups with conflicting levels gets the strongest; the direct grant does not cap it', async () => {
    const member = await memberOf(h, h.a, 'manager');
    const groups = [
      await groupIn(h, h.a, [member]),
      await groupIn(h, h.a, [member]),
      await groupIn(h, h.a, [member]),
    ];
    const project = await projectIn(h, h.a, [{ userId: member, permission: 'can_view' }]);
    await grantRow(h, {
      workspaceId: A,
      projectId: project,
      groupId: groups[0] ?? '',
      permission: 'can_explore',
    });
    await grantRow(h, {
      workspaceId: A,
      projectId: project,
      groupId: groups[1] ?? '',
      permission: 'can_edit',
    });
    await grantRow(h, {
      workspaceId: A,
      projectId: project,
      groupId: groups[2] ?? '',
      permission: 'can_view',
    });
    const { loaded, effective } = await decided(h, { workspaceId: A, userId: member, projectId: project });
    expect([...(loaded.member?.customGroupIds ?? [])].sort()).toEqual([...groups].sort());
    expect(effective).toBe('can_edit');
  });

  it('with several connections, the one that restricts decides; with none, the grant stands', async () => {
    const member = await memberOf(h, h.a, 'editor');
    const empty = await projectIn(h, h.a, [{ userId: member, permission: 'can_edit' }]);
    const zero = await decided(h, { workspaceId: A, userId: member, projectId: empty });
    expect(zero.loaded.facts?.connections).toEqual([]);
    expect(zero.loaded.facts?.assets).toEqual([]);
    expect(zero.effective).toBe('can_edit');

    const mine = await groupIn(h, h.a, [member]);
    const notMine = await groupIn(h, h.a, []);
    const project = await projectIn(h, h.a, [{ userId: member, permission: 'can_edit' }]);
    for (const over of [{}, { canQuery: [mine] }, { canQuery: [notMine] }]) {
      await linkRow(h, {
        projectId: project,
        connectionId: await connectionOf(h, h.a, over),
        workspaceId: A,
      });
    }
    // Directly granted Can edit, but the connection's Can query is only for a group they left.
    expect((await decided(h, { workspaceId: A, userId: member, projectId: project })).effective).toBe(
      'can_explore',
    );
    await linkRow(h, {
      projectId: project,
      connectionId: await connectionOf(h, h.a, { canViewResults: [notMine], canQuery: [notMine] }),
      workspaceId: A,
    });
    expect((await decided(h, { workspaceId: A, userId: member, projectId: project })).effective).toBe('none');
  });

  it('Public reaches every member (the web share); a workspace it is not in does not read it', async () => {
    const viewer = await memberOf(h, h.a, 'viewer');
    const project = await projectIn(h, h.a);
    await grantRow(h, { workspaceId: A, projectId: project, groupId: 'public', permission: 'can_view' });
    expect((await decided(h, { workspaceId: A, userId: viewer, projectId: project })).effective).toBe(
      'can_view',
    );
    expect(
      await loadMemberProjectFacts(h.database.db, {
        workspaceId: B,
        userId: h.b.users.admin.id,
        projectId: project,
      }),
    ).toMatchObject({ facts: null });
  });
});

describe('the one statement against the loaders it replaced, on edited rows', () => {
  it('reads the same grants, groups and connections as loadMemberActor + loadProjectFacts', async () => {
    const person = await memberOf(h, h.a, 'editor');
    await alsoJoin(h, person, h.b, 'manager');
    const groupA = await groupIn(h, h.a, [person]);
    await groupIn(h, h.b, [person]);
    await groupMemberRow(h, { groupId: await groupIn(h, h.b, []), userId: person, workspaceId: A });
    const project = await projectIn(h, h.a, [{ userId: person, permission: 'can_view' }]);
    await grantRow(h, { workspaceId: A, projectId: project, groupId: groupA, permission: 'can_edit' });
    await grantRow(h, { workspaceId: B, projectId: project, userId: person, permission: 'full_access' });
    await linkRow(h, { projectId: project, connectionId: await connectionOf(h, h.b), workspaceId: A });
    await linkRow(h, { projectId: project, connectionId: await connectionOf(h, h.a), workspaceId: B });
    const sort = <T>(list: T[] | undefined) => [...(list ?? [])].map((x) => JSON.stringify(x)).sort();
    for (const [workspaceId, projectId] of [
      [A, project],
      [B, project],
      [A, h.b.projectId],
      [B, h.b.projectId],
    ] as const) {
      const now = await loadMemberProjectFacts(h.database.db, { workspaceId, userId: person, projectId });
      const member = await loadMemberActor(h.database.db, { workspaceId, userId: person });
      const before = member
        ? await loadProjectFacts(h.database.db, { workspaceId, projectId, actor: member })
        : null;
      expect(sort(now.member?.customGroupIds)).toEqual(sort(member?.customGroupIds));
      expect(now.facts === null).toBe(before === null);
      expect(sort(now.facts?.grants)).toEqual(sort(before?.grants));
      expect(sort(now.facts?.connections)).toEqual(sort(before?.connections));
      expect(sort(now.facts?.assets)).toEqual(sort(before?.assets));
    }
  });

  it('decides ownership to the microsecond: a project made 300µs before the membership is not the member’s', async () => {
    // The replaced loaders compared JavaScript Dates (milliseconds) and said it was; the statement
    // compares the timestamps themselves. Stricter, as the owner-from-this-membership rule wants.
    const creator = await memberOf(h, h.a, 'editor');
    const project = await projectIn(h, h.a);
    await h.deps.sql`update workspace_members set created_at = '2030-01-01 00:00:00.000500+00'
      where workspace_id = ${A} and user_id = ${creator}`;
    await h.deps.sql`update projects set created_by = ${creator}, created_at = '2030-01-01 00:00:00.000200+00'
      where id = ${project}`;
    const now = await decided(h, { workspaceId: A, userId: creator, projectId: project });
    expect(now.loaded.facts?.isProjectOwner).toBe(false);
    expect(now.effective).toBe('none');
    const member = await loadMemberActor(h.database.db, { workspaceId: A, userId: creator });
    if (!member) throw new Error('no member');
    const before = await loadProjectFacts(h.database.db, {
      workspaceId: A,
      projectId: project,
      actor: member,
    });
    expect(before?.isProjectOwner).toBe(true);
  });
});
