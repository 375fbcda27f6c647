import { newId } from '@quarry/db';
import { connections, projectGrants, projects } from '@quarry/db/schema';
import { TRPCError } from '@trpc/server';
import { asc, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QuarryTRPCError } from '../errors';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());
afterEach(async () => {
  await h.database.db
    .update(connections)
    .set({ groupsWithAccess: ['workspace'], canQuery: null, canViewResults: null })
    .where(eq(connections.id, h.a.connectionId));
});

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof QuarryTRPCError)
      return { code: error.code, quarry: error.quarry.code, message: error.message };
    if (error instanceof TRPCError) return { code: error.code, quarry: undefined, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

const entryFor = (
  sharing: Awaited<ReturnType<Awaited<ReturnType<ApiHarness['as']>>['sharing']['get']>>,
  userId: string,
) => sharing.entries.find((e) => e.target.kind === 'user' && e.target.userId === userId);

describe('the share dialog', () => {
  it("shows each member's effective permission, capped by role with the reason", async () => {
    const admin = await h.as(h.a, 'admin');
    const sharing = await admin.sharing.get({ projectId: h.a.projectId });
    expect(entryFor(sharing, h.a.users.editor.id)).toMatchObject({
      granted: 'can_edit',
      effective: 'can_edit',
      reasons: [],
    });
    expect(entryFor(sharing, h.a.users.viewer.id)).toMatchObject({
      granted: 'can_edit',
      effective: 'can_view',
      reasons: [expect.objectContaining({ code: 'access.capped_by_role' })],
    });
    expect(entryFor(sharing, h.a.users.explorer.id)?.effective).toBe('can_explore');
    expect(
      sharing.entries.find((e) => e.target.kind === 'group' && e.target.groupId === 'workspace')?.granted,
    ).toBe('can_edit');
  });

  it("shows an Editor without Can query on the project's connection at Can explore, with the reason", async () => {
    const [group] = await h.database
      .sql`insert into groups (id, workspace_id, name) values (${newId('group')}, ${h.a.workspaceId}, 'Data team') returning id`;
    const admin = await h.as(h.a, 'admin');
    await admin.connections.updatePermissions({
      connectionId: h.a.connectionId,
      groupsWithAccess: ['workspace'],
      canQuery: [group?.id as string],
      canViewResults: null,
      canRefreshSchema: 'can_query',
    });
    const editor = await h.as(h.a, 'editor');
    const sharing = await editor.sharing.get({ projectId: h.a.projectId });
    expect(entryFor(sharing, h.a.users.editor.id)).toMatchObject({
      effective: 'can_explore',
      reasons: [
        expect.objectContaining({
          code: 'access.downgraded_no_can_query',
          message: expect.stringContaining("'warehouse'"),
        }),
      ],
    });
    expect(
      (await refusal(editor.runs.start({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 1' })))
        .code,
    ).toBe('FORBIDDEN');
  });
});

describe('sharing a project', () => {
  it('refuses Can edit for someone without access to a connection the project uses, and says why', async () => {
    await h.database.db
      .update(connections)
      .set({ groupsWithAccess: ['workspace'] })
      .where(eq(connections.id, h.a.connectionId));
    const admin = await h.as(h.a, 'admin');
    const refused = await refusal(
      admin.sharing.share({
        projectId: h.a.projectId,
        target: { kind: 'user', userId: h.a.users.guest.id },
        permission: 'can_edit',
      }),
    );
    expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.share_refused_no_asset_access' });
    expect(refused.message).toContain("connection 'warehouse'");
    const grants = await h.database.db
      .select()
      .from(projectGrants)
      .where(eq(projectGrants.userId, h.a.users.guest.id));
    expect(grants).toHaveLength(0);
    // Can view is always allowed: the guest gets the app, not the logic.
    await admin.sharing.share({
      projectId: h.a.projectId,
      target: { kind: 'user', userId: h.a.users.guest.id },
      permission: 'can_view',
    });
    const guest = await h.as(h.a, 'guest');
    expect((await guest.projects.list()).map((p) => p.id)).toContain(h.a.projectId);
  });

  it('lets a Full access holder stop Can edit holders from re-sharing', async () => {
    const admin = await h.as(h.a, 'admin');
    const editor = await h.as(h.a, 'editor');
    const target = { kind: 'user' as const, userId: h.a.users.explorer.id };
    await editor.sharing.share({ projectId: h.a.projectId, target, permission: 'can_explore' });
    await admin.sharing.setEditorsCanShare({ projectId: h.a.projectId, enabled: false });
    try {
      const refused = await refusal(
        editor.sharing.share({ projectId: h.a.projectId, target, permission: 'can_view' }),
      );
      expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.resharing_off' });
      // The editor cannot switch it back either: that needs Full access.
      expect(
        (await refusal(editor.sharing.setEditorsCanShare({ projectId: h.a.projectId, enabled: true }))).code,
      ).toBe('FORBIDDEN');
    } finally {
      await admin.sharing.setEditorsCanShare({ projectId: h.a.projectId, enabled: true });
    }
  });

  it('refuses to grant more than the sharer holds', async () => {
    const editor = await h.as(h.a, 'editor');
    const refused = await refusal(
      editor.sharing.share({
        projectId: h.a.projectId,
        target: { kind: 'user', userId: h.a.users.manager.id },
        permission: 'full_access',
      }),
    );
    expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.grant_above_own' });
  });

  it('refuses a Viewer who tries to share', async () => {
    const viewer = await h.as(h.a, 'viewer');
    const refused = await refusal(
      viewer.sharing.share({
        projectId: h.a.projectId,
        target: { kind: 'group', groupId: 'public' },
        permission: 'can_view',
      }),
    );
    expect(refused.code).toBe('FORBIDDEN');
  });

  it('answers NOT_FOUND when sharing with a member or group of another workspace', async () => {
    const admin = await h.as(h.a, 'admin');
    const other = await refusal(
      admin.sharing.share({
        projectId: h.a.projectId,
        target: { kind: 'user', userId: h.b.users.editor.id },
        permission: 'can_view',
      }),
    );
    expect(other.code).toBe('NOT_FOUND');
    const [group] = await h.database
      .sql`insert into groups (id, workspace_id, name) values (${newId('group')}, ${h.b.workspaceId}, 'B team') returning id`;
    const otherGroup = await refusal(
      admin.sharing.share({
        projectId: h.a.projectId,
        target: { kind: 'group', groupId: group?.id as string },
        permission: 'can_view',
      }),
    );
    expect(otherGroup.code).toBe('NOT_FOUND');
  });

  it('shares with the web through Public at Can view, audited with before and after', async () => {
    const admin = await h.as(h.a, 'admin');
    await admin.sharing.shareWithWeb({ projectId: h.a.projectId, enabled: true });
    expect((await admin.sharing.get({ projectId: h.a.projectId })).sharedWithWeb).toBe(true);
    await admin.sharing.shareWithWeb({ projectId: h.a.projectId, enabled: false });
    expect((await admin.sharing.get({ projectId: h.a.projectId })).sharedWithWeb).toBe(false);
    const audit = await h.database
      .sql`select details from audit_events where action = 'project.share' and chain = ${h.a.workspaceId} order by seq desc limit 2`;
    expect(
      audit.map((a) => [(a.details as { before: string }).before, (a.details as { after: string }).after]),
    ).toEqual([
      ['can_view', 'none'],
      ['none', 'can_view'],
    ]);
  });

  it('gives a member of two groups the higher grant', async () => {
    const low = newId('group');
    const high = newId('group');
    await h.database
      .sql`insert into groups (id, workspace_id, name) values (${low}, ${h.a.workspaceId}, 'Low'), (${high}, ${h.a.workspaceId}, 'High')`;
    await h.database
      .sql`insert into group_members (group_id, user_id, workspace_id) values (${low}, ${h.a.users.manager.id}, ${h.a.workspaceId}), (${high}, ${h.a.users.manager.id}, ${h.a.workspaceId})`;
    const admin = await h.as(h.a, 'admin');
    await admin.sharing.share({
      projectId: h.a.projectId,
      target: { kind: 'group', groupId: low },
      permission: 'can_view',
    });
    await admin.sharing.share({
      projectId: h.a.projectId,
      target: { kind: 'group', groupId: high },
      permission: 'full_access',
    });
    const sharing = await admin.sharing.get({ projectId: h.a.projectId });
    expect(entryFor(sharing, h.a.users.manager.id)?.effective).toBe('full_access');
  });
});

describe('how each grant reaches a person (issue 8, item 6)', () => {
  it('says whether a person holds access directly, through a group, or as the creator', async () => {
    const admin = await h.as(h.a, 'admin');
    await admin.sharing.share({
      projectId: h.a.projectId,
      target: { kind: 'user', userId: h.a.users.manager.id },
      permission: 'can_view',
    });
    try {
      const sharing = await admin.sharing.get({ projectId: h.a.projectId });
      expect(entryFor(sharing, h.a.users.admin.id)?.via).toEqual([
        { kind: 'creator', permission: 'full_access' },
        { kind: 'group', groupId: 'workspace', name: 'Workspace', permission: 'can_edit' },
      ]);
      // Earlier tests put the Manager in custom groups too; the built-in route and the direct one matter here.
      const builtIn = (entryFor(sharing, h.a.users.manager.id)?.via ?? []).filter(
        (route) => route.kind !== 'group' || !route.groupId.startsWith('grp_'),
      );
      expect(builtIn).toEqual([
        { kind: 'group', groupId: 'workspace', name: 'Workspace', permission: 'can_edit' },
        { kind: 'direct', permission: 'can_view' },
      ]);
      expect(entryFor(sharing, h.a.users.guest.id)?.via).toContainEqual({
        kind: 'group',
        groupId: 'workspace_guests',
        name: 'Workspace guests',
        permission: 'can_view',
      });
      expect(entryFor(sharing, h.a.users.guest.id)?.via).not.toContainEqual(
        expect.objectContaining({ groupId: 'workspace' }),
      );
    } finally {
      await admin.sharing.share({
        projectId: h.a.projectId,
        target: { kind: 'user', userId: h.a.users.manager.id },
        permission: 'none',
      });
    }
  });

  it('offers no Remove for a person reached only through a group, where removing would change nothing', async () => {
    const admin = await h.as(h.a, 'admin');
    const before = await grantsOfProject();
    const sharing = await admin.sharing.get({ projectId: h.a.projectId });
    const editor = entryFor(sharing, h.a.users.editor.id);
    expect(editor).toMatchObject({ granted: 'can_edit', canChange: true, canRemove: false });
    // What the Remove button would have sent deletes no row and leaves the Editor at Can edit.
    await admin.sharing.share({
      projectId: h.a.projectId,
      target: { kind: 'user', userId: h.a.users.editor.id },
      permission: 'none',
    });
    expect(await grantsOfProject()).toEqual(before);
    expect(
      entryFor(await admin.sharing.get({ projectId: h.a.projectId }), h.a.users.editor.id)?.effective,
    ).toBe('can_edit');
    const group = sharing.entries.find((e) => e.target.kind === 'group' && e.target.groupId === 'workspace');
    expect(group).toMatchObject({ canRemove: true, via: [] });
  });

  it("gives the caller's capabilities and the permissions they may grant with the dialog", async () => {
    const editor = await h.as(h.a, 'editor');
    const sharing = await editor.sharing.get({ projectId: h.a.projectId });
    expect(sharing.can).toMatchObject({ share: true, manageSharing: false });
    expect(sharing.grantable).toEqual(['can_edit', 'can_explore', 'can_view']);
    const admin = await h.as(h.a, 'admin');
    const asAdmin = await admin.sharing.get({ projectId: h.a.projectId });
    expect(asAdmin.can).toMatchObject({ share: true, manageSharing: true });
    expect(asAdmin.grantable).toEqual(['full_access', 'can_edit', 'can_explore', 'can_view']);
  });
});

/** Every grant of the fixture project, in a stable order, to compare before and after an attack. */
const grantsOfProject = () =>
  h.database.db
    .select({
      userId: projectGrants.userId,
      groupId: projectGrants.groupId,
      permission: projectGrants.permission,
    })
    .from(projectGrants)
    .where(eq(projectGrants.projectId, h.a.projectId))
    .orderBy(asc(projectGrants.id));

describe('sharing escalation (issue 7, item 3)', () => {
  it('refuses a Can edit holder who shares with Public through sharing.share, and changes no grant', async () => {
    const editor = await h.as(h.a, 'editor');
    const before = await grantsOfProject();
    for (const permission of ['can_view', 'can_edit'] as const) {
      const refused = await refusal(
        editor.sharing.share({
          projectId: h.a.projectId,
          target: { kind: 'group', groupId: 'public' },
          permission,
        }),
      );
      expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.public_only_through_web' });
      expect(refused.message).toContain('use Share with the web, which needs Full access');
    }
    // The web switch itself needs Full access.
    const web = await refusal(editor.sharing.shareWithWeb({ projectId: h.a.projectId, enabled: true }));
    expect(web.code).toBe('FORBIDDEN');
    expect(await grantsOfProject()).toEqual(before);
    expect(before.some((g) => g.groupId === 'public')).toBe(false);
    // Guests of the workspace still see only what Workspace guests got: Can view.
    const guest = await h.as(h.a, 'guest');
    expect((await guest.projects.get({ projectId: h.a.projectId })).permission).toBe('can_view');
  });

  it('refuses even a Full access holder who grants Public outside the web switch', async () => {
    const admin = await h.as(h.a, 'admin');
    const before = await grantsOfProject();
    const refused = await refusal(
      admin.sharing.share({
        projectId: h.a.projectId,
        target: { kind: 'group', groupId: 'public' },
        permission: 'can_edit',
      }),
    );
    expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.public_only_through_web' });
    expect(await grantsOfProject()).toEqual(before);
  });

  it('refuses a Can edit holder who removes or downgrades a Full access holder, and the grant stays', async () => {
    const admin = await h.as(h.a, 'admin');
    const manager = { kind: 'user' as const, userId: h.a.users.manager.id };
    await admin.sharing.share({ projectId: h.a.projectId, target: manager, permission: 'full_access' });
    try {
      const before = await grantsOfProject();
      expect(before).toContainEqual({ userId: manager.userId, groupId: null, permission: 'full_access' });
      const editor = await h.as(h.a, 'editor');
      for (const permission of ['none', 'can_view', 'can_edit'] as const) {
        const refused = await refusal(
          editor.sharing.share({ projectId: h.a.projectId, target: manager, permission }),
        );
        expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.change_above_own' });
        expect(refused.message).toContain("You can't change the access of someone who holds more than you");
      }
      expect(await grantsOfProject()).toEqual(before);
      const managerSees = await (await h.as(h.a, 'manager')).sharing.get({ projectId: h.a.projectId });
      expect(entryFor(managerSees, manager.userId)?.effective).toBe('full_access');
      // The share dialog offers the editor no Remove there; the admin has it.
      const editorSees = await editor.sharing.get({ projectId: h.a.projectId });
      expect(entryFor(editorSees, manager.userId)?.canChange).toBe(false);
      expect(entryFor(editorSees, h.a.users.explorer.id)?.canChange).toBe(true);
      expect(entryFor(await admin.sharing.get({ projectId: h.a.projectId }), manager.userId)?.canChange).toBe(
        true,
      );
    } finally {
      await admin.sharing.share({ projectId: h.a.projectId, target: manager, permission: 'none' });
    }
  });

  it('refuses a Can edit holder who downgrades a group holding Full access', async () => {
    const admin = await h.as(h.a, 'admin');
    const team = newId('group');
    await h.database
      .sql`insert into groups (id, workspace_id, name) values (${team}, ${h.a.workspaceId}, 'Owners')`;
    const target = { kind: 'group' as const, groupId: team };
    await admin.sharing.share({ projectId: h.a.projectId, target, permission: 'full_access' });
    try {
      const before = await grantsOfProject();
      const editor = await h.as(h.a, 'editor');
      const refused = await refusal(
        editor.sharing.share({ projectId: h.a.projectId, target, permission: 'can_view' }),
      );
      expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.change_above_own' });
      expect(await grantsOfProject()).toEqual(before);
    } finally {
      await admin.sharing.share({ projectId: h.a.projectId, target, permission: 'none' });
    }
  });

  it('still lets a Can edit holder remove a grant at or below their own', async () => {
    const editor = await h.as(h.a, 'editor');
    const explorer = { kind: 'user' as const, userId: h.a.users.explorer.id };
    await editor.sharing.share({ projectId: h.a.projectId, target: explorer, permission: 'can_edit' });
    await editor.sharing.share({ projectId: h.a.projectId, target: explorer, permission: 'none' });
    expect((await grantsOfProject()).some((g) => g.userId === explorer.userId)).toBe(false);
  });
});

describe('duplicating a project', () => {
  const projectCount = async () =>
    (
      await h.database.db
        .select({ id: projects.id })
        .from(projects)
        .where(eq(projects.workspaceId, h.a.workspaceId))
    ).length;

  it('refuses a Guest with Can edit who duplicates the project, and creates no project', async () => {
    await h.database.db
      .update(connections)
      .set({
        groupsWithAccess: ['workspace', 'workspace_guests'],
        canQuery: ['workspace', 'workspace_guests'],
      })
      .where(eq(connections.id, h.a.connectionId));
    const admin = await h.as(h.a, 'admin');
    const guestTarget = { kind: 'user' as const, userId: h.a.users.guest.id };
    await admin.sharing.share({ projectId: h.a.projectId, target: guestTarget, permission: 'can_edit' });
    try {
      const guest = await h.as(h.a, 'guest');
      expect((await guest.projects.get({ projectId: h.a.projectId })).permission).toBe('can_edit');
      const before = await projectCount();
      const refused = await refusal(guest.sharing.duplicate({ projectId: h.a.projectId, name: 'Mine now' }));
      expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.role_not_allowed' });
      expect(refused.message).toBe(
        'Duplicating creates a new project: only Admins, Managers and Editors can create projects',
      );
      expect(await projectCount()).toBe(before);
    } finally {
      await admin.sharing.share({ projectId: h.a.projectId, target: guestTarget, permission: 'none' });
    }
  });

  it('refuses an Explorer or a Viewer granted Can edit who duplicates the project, and creates no project', async () => {
    // Workspace holds Can edit; their roles cap them at Can explore and Can view.
    const before = await projectCount();
    for (const role of ['explorer', 'viewer'] as const) {
      const caller = await h.as(h.a, role);
      const refused = await refusal(caller.sharing.duplicate({ projectId: h.a.projectId, name: 'Mine now' }));
      expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.capped_by_role' });
    }
    expect(await projectCount()).toBe(before);
  });

  it('copies the cells and workspace connections but never a project connection or its credentials', async () => {
    const projectConnection = newId('connection');
    await h.database.sql`
      insert into connections (id, workspace_id, name, kind, scope, project_id, settings, credentials, created_by)
      values (${projectConnection}, ${h.a.workspaceId}, 'private', 'postgres', 'project', ${h.a.projectId}, ${JSON.stringify({ host: 'db.internal', port: 5432, database: 'x', username: 'x' })}::jsonb, ${Buffer.from('sealed')}, ${h.a.users.admin.id})`;
    await h.database
      .sql`insert into project_connections (project_id, connection_id, workspace_id) values (${h.a.projectId}, ${projectConnection}, ${h.a.workspaceId})`;
    await h.database
      .sql`insert into cells (id, workspace_id, project_id, position, name, connection_id, source) values (${newId('cell')}, ${h.a.workspaceId}, ${h.a.projectId}, 1, 'query_2', ${projectConnection}, 'select secret')`;
    const editor = await h.as(h.a, 'editor');
    const copy = await editor.sharing.duplicate({ projectId: h.a.projectId, name: 'My copy' });
    expect(copy.droppedConnections).toBe(1);
    const imported = await h.database
      .sql`select connection_id from project_connections where project_id = ${copy.projectId}`;
    expect(imported.map((r) => r.connection_id)).toEqual([h.a.connectionId]);
    const copied = await h.database
      .sql`select source, connection_id from cells where project_id = ${copy.projectId} order by position`;
    expect(copied.map((c) => [c.source, c.connection_id])).toEqual([
      ['select 1 as one', h.a.connectionId],
      ['select secret', null],
    ]);
    expect((await editor.projects.get({ projectId: copy.projectId })).permission).toBe('full_access');
    await h.database.sql`delete from project_connections where connection_id = ${projectConnection}`;
    await h.database
      .sql`delete from cells where connection_id = ${projectConnection} or source = 'select secret'`;
    await h.database.sql`delete from connections where id = ${projectConnection}`;
  });

  it("copies the project's shared-secret imports, never a value: the copy imports the same sealed secret", async () => {
    const admin = await h.as(h.a, 'admin');
    const value = `value-${crypto.randomUUID()}`;
    const secret = await admin.secrets.create({ name: 'COPIED_SECRET', value });
    await admin.secrets.importIntoProject({ projectId: h.a.projectId, secretId: secret.id });
    try {
      const editor = await h.as(h.a, 'editor');
      const copy = await editor.sharing.duplicate({ projectId: h.a.projectId, name: 'Copy with secret' });
      expect(JSON.stringify(copy)).not.toContain(value);
      expect(await editor.secrets.forProject({ projectId: copy.projectId })).toEqual([
        { id: secret.id, name: 'COPIED_SECRET' },
      ]);
      const imports = await h.database
        .sql`select secret_id, workspace_id, imported_by from project_secrets where project_id = ${copy.projectId}`;
      expect(imports).toEqual([
        { secret_id: secret.id, workspace_id: h.a.workspaceId, imported_by: h.a.users.editor.id },
      ]);
      // Still one sealed row for the secret: nothing of its value was copied anywhere.
      expect(await h.database.sql`select id from secrets where name = 'COPIED_SECRET'`).toHaveLength(1);
      expect(await admin.secrets.usage({ secretId: secret.id })).toEqual([
        { projectId: copy.projectId, name: 'Copy with secret' },
        { projectId: h.a.projectId, name: 'Fixture project' },
      ]);
    } finally {
      await admin.secrets.delete({ secretId: secret.id });
    }
  });
});
