import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { addMember } from './testing/member-helpers';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

describe('members.list', () => {
  it('shows an Admin every member of the workspace with email, role, status and custom groups', async () => {
    const admin = await h.as(h.a, 'admin');
    const analyst = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor', name: 'Ada Analyst' });
    const leaver = await addMember(h, { workspaceId: h.a.workspaceId, role: 'viewer', name: 'Lee Leaver' });
    const group = await admin.groups.create({ name: 'Data team' });
    await admin.groups.addMember({ groupId: group.id, userId: analyst.id });
    await admin.members.deactivate({ userId: leaver.id });

    const listed = await admin.members.list();

    expect(listed).toHaveLength(8);
    for (const [role, user] of Object.entries(h.a.users)) {
      expect(listed.find((m) => m.userId === user.id)).toMatchObject({
        email: user.email,
        role,
        status: 'active',
      });
    }
    expect(listed.find((m) => m.userId === analyst.id)).toMatchObject({
      name: 'Ada Analyst',
      email: analyst.email,
      role: 'editor',
      status: 'active',
      groups: [{ id: group.id, name: 'Data team' }],
    });
    expect(listed.find((m) => m.userId === leaver.id)).toMatchObject({ status: 'deactivated', groups: [] });
    expect(listed.every((m) => m.joinedAt instanceof Date)).toBe(true);
  });

  it("never shows workspace B's members to workspace A's Admin", async () => {
    const admin = await h.as(h.a, 'admin');
    const ids = (await admin.members.list()).map((m) => m.userId);
    for (const user of Object.values(h.b.users)) expect(ids).not.toContain(user.id);
  });
});
