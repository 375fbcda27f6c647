import { newId } from '@quarry/db';
import { connections, groupMembers, groups, projectGrants } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, refusal } from '../members/testing/member-helpers';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

const groupRow = async (id: string) =>
  (await h.database.db.select().from(groups).where(eq(groups.id, id)))[0];

describe('groups.create', () => {
  it('creates an empty custom group in the caller’s workspace and audits it', async () => {
    const admin = await h.as(h.a, 'admin');

    const created = await admin.groups.create({ name: '  Data team  ' });

    expect(created).toEqual({ id: expect.stringMatching(/^grp_/), name: 'Data team', members: [] });
    expect(await groupRow(created.id)).toMatchObject({ workspaceId: h.a.workspaceId, name: 'Data team' });
    const [entry] = await auditEntries(h, {
      workspaceId: h.a.workspaceId,
      action: 'group.create',
      targetId: created.id,
    });
    expect(entry).toMatchObject({
      actorId: h.a.users.admin.id,
      requestId: 'test',
      details: { before: null, after: { name: 'Data team' } },
    });
  });

  it('refuses a second group of the same name, whatever its case, with groups.name_taken', async () => {
    const admin = await h.as(h.a, 'admin');
    await admin.groups.create({ name: 'Marketing' });

    for (const name of ['Marketing', 'marketing', 'MARKETING']) {
      expect(await refusal(admin.groups.create({ name }))).toMatchObject({ quarry: 'groups.name_taken' });
    }
    expect((await admin.groups.list()).filter((g) => g.name.toLowerCase() === 'marketing')).toHaveLength(1);
  });

  it('lets workspace B use a name workspace A already has', async () => {
    await (await h.as(h.a, 'admin')).groups.create({ name: 'Engineering' });
    const inB = await (await h.as(h.b, 'admin')).groups.create({ name: 'Engineering' });
    expect(await groupRow(inB.id)).toMatchObject({ workspaceId: h.b.workspaceId });
  });

  it.each(['workspace', 'Workspace', 'workspace_guests', 'Workspace guests', 'PUBLIC', 'Public'])(
    'refuses the built-in group name %s with groups.name_reserved',
    async (name) => {
      const admin = await h.as(h.a, 'admin');
      expect(await refusal(admin.groups.create({ name }))).toMatchObject({ quarry: 'groups.name_reserved' });
      expect((await admin.groups.list()).map((g) => g.name.toLowerCase())).not.toContain(name.toLowerCase());
    },
  );

  it('refuses an empty name as invalid input', async () => {
    const admin = await h.as(h.a, 'admin');
    expect((await refusal(admin.groups.create({ name: '   ' }))).code).toBe('BAD_REQUEST');
  });
});

describe('groups.rename', () => {
  it('renames the group, audited with the name before and after', async () => {
    const admin = await h.as(h.a, 'admin');
    const group = await admin.groups.create({ name: 'Analytics' });

    expect((await admin.groups.rename({ groupId: group.id, name: 'Analytics & BI' })).name).toBe(
      'Analytics & BI',
    );

    expect((await groupRow(group.id))?.name).toBe('Analytics & BI');
    const [entry] = await auditEntries(h, {
      workspaceId: h.a.workspaceId,
      action: 'group.rename',
      targetId: group.id,
    });
    expect(entry?.details).toEqual({ before: { name: 'Analytics' }, after: { name: 'Analytics & BI' } });
  });

  it('lets a group change the case of its own name, but not take another group’s or a built-in one', async () => {
    const admin = await h.as(h.a, 'admin');
    const sales = await admin.groups.create({ name: 'sales' });
    await admin.groups.create({ name: 'Support' });

    expect((await admin.groups.rename({ groupId: sales.id, name: 'Sales' })).name).toBe('Sales');
    expect(await refusal(admin.groups.rename({ groupId: sales.id, name: 'support' }))).toMatchObject({
      quarry: 'groups.name_taken',
    });
    expect(await refusal(admin.groups.rename({ groupId: sales.id, name: 'Public' }))).toMatchObject({
      quarry: 'groups.name_reserved',
    });
    expect((await groupRow(sales.id))?.name).toBe('Sales');
  });

  it('cannot rename or delete a built-in group: its id is not a custom group id', async () => {
    const admin = await h.as(h.a, 'admin');
    for (const groupId of ['workspace', 'workspace_guests', 'public']) {
      expect((await refusal(admin.groups.rename({ groupId, name: 'Everyone' }))).code).toBe('BAD_REQUEST');
      expect((await refusal(admin.groups.delete({ groupId }))).code).toBe('BAD_REQUEST');
    }
    // The fixture project is still shared with the built-in groups.
    const grants = await h.database.db
      .select()
      .from(projectGrants)
      .where(eq(projectGrants.projectId, h.a.projectId));
    expect(grants.map((g) => g.groupId).sort()).toEqual(['workspace', 'workspace_guests']);
  });
});

describe('groups.delete', () => {
  it('deletes the group with its memberships, the projects shared with it and its place in connection permissions', async () => {
    const admin = await h.as(h.a, 'admin');
    const group = await admin.groups.create({ name: 'Temporary' });
    await admin.groups.addMember({ groupId: group.id, userId: h.a.users.explorer.id });
    const grantId = newId('grant');
    await h.database.db.insert(projectGrants).values({
      id: grantId,
      workspaceId: h.a.workspaceId,
      projectId: h.a.projectId,
      groupId: group.id,
      permission: 'can_explore',
    });
    await h.database.db
      .update(connections)
      .set({
        groupsWithAccess: ['workspace', group.id],
        canQuery: [group.id],
        canViewResults: [group.id, 'workspace'],
      })
      .where(eq(connections.id, h.a.connectionId));

    expect(await admin.groups.delete({ groupId: group.id })).toEqual({ deleted: true });

    expect(await groupRow(group.id)).toBeUndefined();
    expect(await h.database.db.select().from(groupMembers).where(eq(groupMembers.groupId, group.id))).toEqual(
      [],
    );
    expect(await h.database.db.select().from(projectGrants).where(eq(projectGrants.id, grantId))).toEqual([]);
    const [connection] = await h.database.db
      .select()
      .from(connections)
      .where(eq(connections.id, h.a.connectionId));
    expect(connection).toMatchObject({
      groupsWithAccess: ['workspace'],
      canQuery: [],
      canViewResults: ['workspace'],
    });
    const [entry] = await auditEntries(h, {
      workspaceId: h.a.workspaceId,
      action: 'group.delete',
      targetId: group.id,
    });
    expect(entry?.details).toEqual({
      before: {
        name: 'Temporary',
        members: [h.a.users.explorer.id],
        projectGrants: [{ projectId: h.a.projectId, permission: 'can_explore' }],
        connections: [h.a.connectionId],
      },
      after: null,
    });
    await h.database.db
      .update(connections)
      .set({ groupsWithAccess: ['workspace'], canQuery: null, canViewResults: null })
      .where(eq(connections.id, h.a.connectionId));
  });

  it('answers NOT_FOUND for a group that is already gone', async () => {
    const admin = await h.as(h.a, 'admin');
    const group = await admin.groups.create({ name: 'Ephemeral' });
    await admin.groups.delete({ groupId: group.id });
    expect(await refusal(admin.groups.delete({ groupId: group.id }))).toMatchObject({
      code: 'NOT_FOUND',
      quarry: 'not_found.group',
    });
  });
});
