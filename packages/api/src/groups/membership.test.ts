import { newId } from '@quarry/db';
import { groupMembers, projectGrants, projects } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, auditEntries, refusal, signedIn } from '../members/testing/member-helpers';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

const membersOf = (groupId: string) =>
  h.database.db.select().from(groupMembers).where(eq(groupMembers.groupId, groupId));

describe('groups.addMember and groups.removeMember', () => {
  it('adds a member of the workspace and takes them out again, each audited', async () => {
    const admin = await h.as(h.a, 'admin');
    const group = await admin.groups.create({ name: 'Reviewers' });
    const viewer = h.a.users.viewer;

    const added = await admin.groups.addMember({ groupId: group.id, userId: viewer.id });

    expect(added.members).toEqual([{ userId: viewer.id, email: viewer.email, name: 'viewer user' }]);
    expect(await membersOf(group.id)).toMatchObject([{ userId: viewer.id, workspaceId: h.a.workspaceId }]);

    const removed = await admin.groups.removeMember({ groupId: group.id, userId: viewer.id });

    expect(removed.members).toEqual([]);
    expect(await membersOf(group.id)).toEqual([]);
    const [out, into] = await Promise.all([
      auditEntries(h, { workspaceId: h.a.workspaceId, action: 'group.remove_member', targetId: group.id }),
      auditEntries(h, { workspaceId: h.a.workspaceId, action: 'group.add_member', targetId: group.id }),
    ]);
    expect(into[0]?.details).toEqual({
      userId: viewer.id,
      before: { member: false },
      after: { member: true },
    });
    expect(out[0]?.details).toEqual({
      userId: viewer.id,
      before: { member: true },
      after: { member: false },
    });
  });

  it('refuses a member of another workspace with NOT_FOUND and adds nobody', async () => {
    const admin = await h.as(h.a, 'admin');
    const group = await admin.groups.create({ name: 'Closed circle' });

    expect(
      await refusal(admin.groups.addMember({ groupId: group.id, userId: h.b.users.editor.id })),
    ).toMatchObject({
      code: 'NOT_FOUND',
      quarry: 'not_found.member',
    });
    expect(
      await refusal(admin.groups.addMember({ groupId: group.id, userId: 'usr_nosuchuser' })),
    ).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await membersOf(group.id)).toEqual([]);
  });

  it("refuses adding to workspace B's group a member of B, when asked by A's Admin", async () => {
    const groupOfB = await (await h.as(h.b, 'admin')).groups.create({ name: 'B only' });
    const admin = await h.as(h.a, 'admin');
    expect(
      await refusal(admin.groups.addMember({ groupId: groupOfB.id, userId: h.b.users.viewer.id })),
    ).toMatchObject({
      code: 'NOT_FOUND',
      quarry: 'not_found.group',
    });
    expect(await membersOf(groupOfB.id)).toEqual([]);
  });

  it('keeps one membership and one audit entry when the same member is added twice', async () => {
    const admin = await h.as(h.a, 'admin');
    const group = await admin.groups.create({ name: 'Twice' });
    await admin.groups.addMember({ groupId: group.id, userId: h.a.users.manager.id });

    expect(
      (await admin.groups.addMember({ groupId: group.id, userId: h.a.users.manager.id })).members,
    ).toHaveLength(1);
    expect(
      await auditEntries(h, { workspaceId: h.a.workspaceId, action: 'group.add_member', targetId: group.id }),
    ).toHaveLength(1);
  });

  it('answers NOT_FOUND when taking out someone who is not in the group', async () => {
    const admin = await h.as(h.a, 'admin');
    const group = await admin.groups.create({ name: 'Nobody here' });
    expect(
      await refusal(admin.groups.removeMember({ groupId: group.id, userId: h.a.users.viewer.id })),
    ).toMatchObject({
      code: 'NOT_FOUND',
      quarry: 'not_found.group_member',
    });
  });
});

describe('custom groups in the permission engine', () => {
  it('shows a member a project shared with a custom group once they join it, and hides it when they leave', async () => {
    const admin = await h.as(h.a, 'admin');
    const group = await admin.groups.create({ name: 'Project insiders' });
    const projectId = newId('project');
    await h.database.db.insert(projects).values({
      id: projectId,
      workspaceId: h.a.workspaceId,
      name: 'Insiders only',
      createdBy: h.a.users.admin.id,
    });
    await h.database.db.insert(projectGrants).values({
      id: newId('grant'),
      workspaceId: h.a.workspaceId,
      projectId,
      groupId: group.id,
      permission: 'can_edit',
    });
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
    const { caller } = await signedIn(h, member);
    expect((await caller.projects.list()).map((p) => p.id)).not.toContain(projectId);

    await admin.groups.addMember({ groupId: group.id, userId: member.id });

    expect((await caller.projects.list()).find((p) => p.id === projectId)).toMatchObject({
      name: 'Insiders only',
      permission: 'can_edit',
    });

    await admin.groups.removeMember({ groupId: group.id, userId: member.id });

    expect((await caller.projects.list()).map((p) => p.id)).not.toContain(projectId);
  });
});
