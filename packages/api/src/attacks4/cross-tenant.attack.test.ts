import { randomUUID } from 'node:crypto';
import { connections, projectConnections, secrets } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupIn, projectIn, refusal, exampleSettings as settings, uniqueName } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { projectConnection, rawConnection, workspaceConnection } from './attack-kit';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

describe("another workspace's Admin holding workspace A's ids", () => {
  it("refuses every connection procedure on A's connection, project and secret as NOT_FOUND, changing nothing", async () => {
    const wsConn = await workspaceConnection(h, h.a);
    const projectA = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const ownConn = await projectConnection(h, h.a, 'editor', projectA);
    const secretA = await (await h.as(h.a, 'admin')).secrets.create({
      name: `key_${randomUUID().slice(0, 8)}`,
      value: randomUUID(),
    });
    const before = await Promise.all([rawConnection(h, wsConn.id), rawConnection(h, ownConn.id)]);
    const bAdmin = await h.as(h.b, 'admin');
    const projectB = h.b.projectId;

    const attempts: Array<[string, () => Promise<unknown>]> = [];
    for (const connectionId of [wsConn.id, ownConn.id]) {
      attempts.push(
        ['get', () => bAdmin.connections.get({ connectionId })],
        ['usage', () => bAdmin.connections.usage({ connectionId })],
        [
          'update',
          () =>
            bAdmin.connections.update({
              connectionId,
              name: 'taken over',
              settings: settings({ host: 'attacker.example.net' }),
            }),
        ],
        ['delete', () => bAdmin.connections.delete({ connectionId })],
        ['test', () => bAdmin.connections.test({ connectionId })],
        [
          'test with edits',
          () =>
            bAdmin.connections.test({ connectionId, settings: settings({ host: 'attacker.example.net' }) }),
        ],
        ['setDefault', () => bAdmin.connections.setDefault({ connectionId })],
        ['permissions', () => bAdmin.connections.permissions({ connectionId })],
        [
          'previewPermissions',
          () =>
            bAdmin.connections.previewPermissions({
              connectionId,
              groupsWithAccess: ['workspace'],
              canQuery: null,
              canViewResults: null,
              canRefreshSchema: 'can_query',
            }),
        ],
        [
          'updatePermissions',
          () =>
            bAdmin.connections.updatePermissions({
              connectionId,
              groupsWithAccess: ['public'],
              canQuery: ['public'],
              canViewResults: null,
              canRefreshSchema: 'can_query',
            }),
        ],
        [
          'importIntoProject (own project)',
          () => bAdmin.connections.importIntoProject({ projectId: projectB, connectionId }),
        ],
        [
          'removeFromProject (A project)',
          () => bAdmin.connections.removeFromProject({ projectId: projectA, connectionId }),
        ],
        [
          'updateCell (own cell)',
          () =>
            bAdmin.projects.updateCell({
              projectId: projectB,
              cellId: h.b.cellId,
              source: 'select 1',
              connectionId,
            }),
        ],
      );
    }
    attempts.push(
      [
        'createForProject in A project',
        () =>
          bAdmin.connections.createForProject({
            projectId: projectA,
            name: uniqueName('planted'),
            kind: 'postgres',
            settings: settings(),
            secrets: { password: randomUUID() },
          }),
      ],
      [
        'testNewForProject in A project',
        () =>
          bAdmin.connections.testNewForProject({
            projectId: projectA,
            kind: 'postgres',
            settings: settings(),
            secrets: {},
          }),
      ],
      [
        'import B connection into A project',
        () => bAdmin.connections.importIntoProject({ projectId: projectA, connectionId: h.b.connectionId }),
      ],
      ['secrets.usage', () => bAdmin.secrets.usage({ secretId: secretA.id })],
      [
        'secrets.update',
        () =>
          bAdmin.secrets.update({
            secretId: secretA.id,
            name: 'taken',
            value: randomUUID(),
            groupsWithAccess: ['workspace'],
          }),
      ],
      ['secrets.delete', () => bAdmin.secrets.delete({ secretId: secretA.id })],
      [
        'secrets.importIntoProject',
        () => bAdmin.secrets.importIntoProject({ projectId: projectB, secretId: secretA.id }),
      ],
      ['secrets.forProject', () => bAdmin.secrets.forProject({ projectId: projectA })],
      [
        'secrets.removeFromProject',
        () => bAdmin.secrets.removeFromProject({ projectId: projectA, secretId: secretA.id }),
      ],
    );
    for (const [name, attempt] of attempts) {
      const refused = await refusal(attempt());
      // updateCell names no foreign id in its answer: it is the cell's own project that refuses.
      if (name.startsWith('updateCell')) expect(refused.quarry, name).toBe('connections.not_in_project');
      else expect(refused.code, name).toBe('NOT_FOUND');
      expect(refused.text, name).not.toContain(wsConn.name);
      expect(refused.text, name).not.toContain(ownConn.name);
    }
    const after = await Promise.all([rawConnection(h, wsConn.id), rawConnection(h, ownConn.id)]);
    expect(after).toEqual(before);
    const [secret] = await h.database.db.select().from(secrets).where(eq(secrets.id, secretA.id));
    expect(secret?.name).toBe(secretA.name);
    expect(await (await h.as(h.a, 'admin')).secrets.usage({ secretId: secretA.id })).toEqual([]);
    // B's list shows nothing of A.
    const listed = JSON.stringify([await bAdmin.connections.list(), await bAdmin.secrets.list()]);
    for (const id of [wsConn.id, ownConn.id, secretA.id]) expect(listed).not.toContain(id);
  });

  it('refuses a permission update naming another workspace’s custom group', async () => {
    const wsConn = await workspaceConnection(h, h.a);
    const groupB = await (await h.as(h.b, 'admin')).groups.create({ name: uniqueName('b-team') });
    const aAdmin = await h.as(h.a, 'admin');
    const groupId = groupB.id;
    for (const field of ['groupsWithAccess', 'canQuery', 'canViewResults'] as const) {
      const input = {
        connectionId: wsConn.id,
        groupsWithAccess: ['workspace'],
        canQuery: null as string[] | null,
        canViewResults: null as string[] | null,
        canRefreshSchema: 'can_query' as const,
        [field]: [groupId],
      };
      expect((await refusal(aAdmin.connections.updatePermissions(input))).code, field).toBe('NOT_FOUND');
    }
    const row = await rawConnection(h, wsConn.id);
    expect(row?.groupsWithAccess).toEqual(['workspace']);
    expect(row?.canQuery).toBeNull();
    expect(row?.canViewResults).toBeNull();
    // A secret shared with B's group is refused the same way.
    expect(
      (
        await refusal(
          aAdmin.secrets.create({
            name: `s_${randomUUID().slice(0, 8)}`,
            value: randomUUID(),
            groupsWithAccess: [groupId],
          }),
        )
      ).code,
    ).toBe('NOT_FOUND');
  });
});

describe('members of the same workspace without the right to manage', () => {
  it('refuses a Manager, an Editor, an Explorer, a Viewer and a Guest every management procedure on a workspace connection', async () => {
    const wsConn = await workspaceConnection(h, h.a);
    const before = await rawConnection(h, wsConn.id);
    for (const role of ['manager', 'editor', 'explorer', 'viewer', 'guest'] as const) {
      const member = await h.as(h.a, role);
      const connectionId = wsConn.id;
      const attempts: Array<[string, () => Promise<unknown>]> = [
        ['get', () => member.connections.get({ connectionId })],
        ['usage', () => member.connections.usage({ connectionId })],
        [
          'update',
          () =>
            member.connections.update({
              connectionId,
              name: wsConn.name,
              settings: settings({ host: 'attacker.example.net' }),
            }),
        ],
        ['delete', () => member.connections.delete({ connectionId })],
        ['test', () => member.connections.test({ connectionId })],
        ['setDefault', () => member.connections.setDefault({ connectionId })],
        ['permissions', () => member.connections.permissions({ connectionId })],
        [
          'updatePermissions',
          () =>
            member.connections.updatePermissions({
              connectionId,
              groupsWithAccess: ['workspace'],
              canQuery: null,
              canViewResults: null,
              canRefreshSchema: 'can_query',
            }),
        ],
        [
          'previewPermissions',
          () =>
            member.connections.previewPermissions({
              connectionId,
              groupsWithAccess: ['workspace'],
              canQuery: ['workspace'],
              canViewResults: ['workspace'],
              canRefreshSchema: 'can_query',
            }),
        ],
        [
          'setProjectConnectionsEnabled',
          () => member.connections.setProjectConnectionsEnabled({ enabled: false }),
        ],
        [
          'create',
          () =>
            member.connections.create({
              name: uniqueName('mine'),
              kind: 'postgres',
              settings: settings(),
              secrets: {},
            }),
        ],
        [
          'testNew',
          () => member.connections.testNew({ kind: 'postgres', settings: settings(), secrets: {} }),
        ],
      ];
      for (const [name, attempt] of attempts) {
        expect((await refusal(attempt())).code, `${role} ${name}`).toBe('FORBIDDEN');
      }
    }
    expect(await rawConnection(h, wsConn.id)).toEqual(before);
    expect((await (await h.as(h.a, 'admin')).connections.projectConnectionsSetting()).enabled).toBe(true);
  });

  it('refuses managing a project connection to an Editor holding only Can explore or Can view, and hides it from one without a grant', async () => {
    const projectId = await projectIn(h, h.a, [
      { userId: h.a.users.manager.id, permission: 'can_edit' },
      { userId: h.a.users.editor.id, permission: 'can_explore' },
    ]);
    const own = await projectConnection(h, h.a, 'manager', projectId);
    const before = await rawConnection(h, own.id);
    const editor = await h.as(h.a, 'editor');
    const connectionId = own.id;
    for (const [name, attempt] of [
      ['get', () => editor.connections.get({ connectionId })],
      [
        'update',
        () =>
          editor.connections.update({
            connectionId,
            name: own.name,
            settings: settings({ host: 'attacker.example.net' }),
          }),
      ],
      ['delete', () => editor.connections.delete({ connectionId })],
      [
        'test',
        () => editor.connections.test({ connectionId, settings: settings({ host: 'attacker.example.net' }) }),
      ],
      ['usage', () => editor.connections.usage({ connectionId })],
      [
        'createForProject',
        () =>
          editor.connections.createForProject({
            projectId,
            name: uniqueName('x'),
            kind: 'postgres',
            settings: settings(),
            secrets: {},
          }),
      ],
      [
        'testNewForProject',
        () =>
          editor.connections.testNewForProject({
            projectId,
            kind: 'postgres',
            settings: settings(),
            secrets: {},
          }),
      ],
    ] as Array<[string, () => Promise<unknown>]>) {
      expect((await refusal(attempt())).code, name).toBe('FORBIDDEN');
    }
    // No grant at all: the project and its connection do not exist for them.
    const other = await projectIn(h, h.a, [{ userId: h.a.users.manager.id, permission: 'can_edit' }]);
    const hidden = await projectConnection(h, h.a, 'manager', other);
    expect((await refusal(editor.connections.get({ connectionId: hidden.id }))).code).toBe('NOT_FOUND');
    expect(JSON.stringify(await editor.connections.list())).not.toContain(hidden.id);
    expect(await rawConnection(h, own.id)).toEqual(before);
  });

  it('refuses managing a project connection to an Editor downgraded by a workspace connection outside their groups', async () => {
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const own = await projectConnection(h, h.a, 'editor', projectId);
    // An Admin imports a workspace connection restricted to a group the Editor is not in.
    const groupId = await groupIn(h, h.a, [h.a.users.manager.id], uniqueName('finance'));
    const restricted = await workspaceConnection(h, h.a);
    const admin = await h.as(h.a, 'admin');
    await admin.connections.updatePermissions({
      connectionId: restricted.id,
      groupsWithAccess: [groupId],
      canQuery: [groupId],
      canViewResults: null,
      canRefreshSchema: 'can_query',
    });
    await admin.connections.importIntoProject({ projectId, connectionId: restricted.id });
    const before = await rawConnection(h, own.id);
    const editor = await h.as(h.a, 'editor');
    expect(
      (
        await refusal(
          editor.connections.update({
            connectionId: own.id,
            name: own.name,
            settings: settings({ host: 'attacker.example.net' }),
          }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect((await refusal(editor.connections.get({ connectionId: own.id }))).code).toBe('FORBIDDEN');
    expect((await refusal(editor.connections.delete({ connectionId: own.id }))).code).toBe('FORBIDDEN');
    expect(
      (
        await refusal(
          editor.connections.createForProject({
            projectId,
            name: uniqueName('again'),
            kind: 'postgres',
            settings: settings(),
            secrets: {},
          }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    // Nor can they take the restricted connection out to get their Can edit back.
    expect(
      (await refusal(editor.connections.removeFromProject({ projectId, connectionId: restricted.id }))).code,
    ).toBe('FORBIDDEN');
    expect(await rawConnection(h, own.id)).toEqual(before);
    const links = await h.database.db
      .select()
      .from(projectConnections)
      .where(eq(projectConnections.projectId, projectId));
    expect(links.map((l) => l.connectionId).sort()).toEqual([own.id, restricted.id].sort());
  });

  it('refuses managing project connections while Admins switched them off, and refuses a Guest or an Explorer granted Can edit', async () => {
    const projectId = await projectIn(h, h.a, [
      { userId: h.a.users.editor.id, permission: 'can_edit' },
      { userId: h.a.users.guest.id, permission: 'can_edit' },
      { userId: h.a.users.explorer.id, permission: 'can_edit' },
    ]);
    const own = await projectConnection(h, h.a, 'editor', projectId);
    const before = await rawConnection(h, own.id);
    for (const role of ['guest', 'explorer'] as const) {
      const member = await h.as(h.a, role);
      expect((await refusal(member.connections.get({ connectionId: own.id }))).code, role).toBe('FORBIDDEN');
      expect(
        (
          await refusal(
            member.connections.createForProject({
              projectId,
              name: uniqueName(role),
              kind: 'postgres',
              settings: settings(),
              secrets: {},
            }),
          )
        ).code,
        role,
      ).toBe('FORBIDDEN');
    }
    const admin = await h.as(h.a, 'admin');
    await admin.connections.setProjectConnectionsEnabled({ enabled: false });
    try {
      const editor = await h.as(h.a, 'editor');
      const connectionId = own.id;
      for (const [name, attempt] of [
        ['get', () => editor.connections.get({ connectionId })],
        [
          'update',
          () =>
            editor.connections.update({
              connectionId,
              name: own.name,
              settings: settings({ host: 'attacker.example.net' }),
            }),
        ],
        ['delete', () => editor.connections.delete({ connectionId })],
        ['test', () => editor.connections.test({ connectionId })],
        [
          'createForProject',
          () =>
            editor.connections.createForProject({
              projectId,
              name: uniqueName('x'),
              kind: 'postgres',
              settings: settings(),
              secrets: {},
            }),
        ],
        [
          'testNewForProject',
          () =>
            editor.connections.testNewForProject({
              projectId,
              kind: 'postgres',
              settings: settings(),
              secrets: {},
            }),
        ],
      ] as Array<[string, () => Promise<unknown>]>) {
        expect((await refusal(attempt())).code, name).toBe('FORBIDDEN');
      }
      // And a cell cannot be pointed at it any more: the project is downgraded to Can explore.
      const [cell] = await (await h.as(h.a, 'admin')).projects
        .get({ projectId })
        .then((p) => (p as { cells: { id: string }[] }).cells);
      if (cell) {
        expect(
          (
            await refusal(
              editor.projects.updateCell({ projectId, cellId: cell.id, source: 'select 1', connectionId }),
            )
          ).code,
        ).toBe('FORBIDDEN');
      }
    } finally {
      await admin.connections.setProjectConnectionsEnabled({ enabled: true });
    }
    expect(await rawConnection(h, own.id)).toEqual(before);
  });
});

describe('raw rows', () => {
  it('holds a project connection’s password only as ciphertext bound to its own row', async () => {
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const own = await projectConnection(h, h.a, 'editor', projectId);
    const other = await projectConnection(h, h.a, 'editor', projectId);
    const row = await rawConnection(h, own.id);
    const sealed = row?.credentials ?? Buffer.alloc(0);
    expect(sealed.includes(Buffer.from(own.password))).toBe(false);
    expect(JSON.stringify(row?.settings)).not.toContain(own.password);
    // Moved onto another row, the ciphertext does not open: an edit keeping it is refused.
    await h.database.db.update(connections).set({ credentials: sealed }).where(eq(connections.id, other.id));
    const editor = await h.as(h.a, 'editor');
    const refused = await refusal(
      editor.connections.update({ connectionId: other.id, name: other.name, settings: settings() }),
    );
    expect(refused.quarry).toBe('vault.unwrap_failed');
  });
});
