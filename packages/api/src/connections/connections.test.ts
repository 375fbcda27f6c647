import { randomUUID } from 'node:crypto';
import { newId } from '@quarry/db';
import {
  auditEvents,
  cells,
  connectionCredentialsContext,
  connectionProbes,
  connections,
  projectConnections,
  runs,
} from '@quarry/db/schema';
import { testTlsSettings } from '@quarry/db/testing';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectIn, refusal, exampleSettings as settings, uniqueName } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

async function rawRow(id: string) {
  const [row] = await h.database.db.select().from(connections).where(eq(connections.id, id));
  return row;
}

/** A workspace connection of A made by its Admin, with a generated password. */
async function workspaceConnection(over: { name?: string } = {}) {
  const password = randomUUID();
  const admin = await h.as(h.a, 'admin');
  const created = await admin.connections.create({
    name: over.name ?? uniqueName('wh'),
    kind: 'postgres',
    settings: settings(),
    secrets: { password },
  });
  return { ...created, password, answer: created };
}

describe('write-only credentials', () => {
  it('stores the password only as ciphertext and never answers it back', async () => {
    const admin = await h.as(h.a, 'admin');
    const created = await workspaceConnection();
    const { password } = created;
    const row = await rawRow(created.id);
    expect(JSON.stringify(row?.settings)).not.toContain(password);
    const stored = row?.credentials ?? Buffer.alloc(0);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.includes(Buffer.from(password))).toBe(false);
    expect(stored.toString('latin1')).not.toContain(password);
    // What is stored is the sealed record of that very password.
    const opened = h.vault.openText(stored, connectionCredentialsContext(h.a.workspaceId, created.id));
    expect(opened.ok && JSON.parse(opened.value)).toEqual({ password });

    const answers = [
      created.answer,
      await admin.connections.get({ connectionId: created.id }),
      await admin.connections.list(),
      await admin.connections.update({
        connectionId: created.id,
        name: created.name,
        settings: settings({ database: 'sales' }),
        secrets: { password: '' },
      }),
    ];
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(password);
    // Every opening of the record in the API is audited, with why; reading the form opens nothing.
    const unwraps = () =>
      h.database.db
        .select({ details: auditEvents.details })
        .from(auditEvents)
        .where(
          and(eq(auditEvents.action, 'connection.credentials_unwrap'), eq(auditEvents.targetId, created.id)),
        );
    const before = await unwraps();
    expect(before.map((u) => u.details)).toEqual(expect.arrayContaining([{ purpose: 'edit' }]));
    const detail = await admin.connections.get({ connectionId: created.id });
    expect(detail.storedSecrets).toEqual(['password']);
    expect(await unwraps()).toHaveLength(before.length);
    expect(detail.settings).toMatchObject({ database: 'sales', host: 'db.example.com' });
  });

  it('keeps the stored password, ciphertext unchanged, when an edit leaves it blank', async () => {
    const admin = await h.as(h.a, 'admin');
    const created = await workspaceConnection();
    const before = (await rawRow(created.id))?.credentials;
    await admin.connections.update({
      connectionId: created.id,
      name: created.name,
      settings: settings({ database: 'sales' }),
    });
    const after = await rawRow(created.id);
    expect(after?.credentials?.equals(before ?? Buffer.alloc(0))).toBe(true);
    expect(after?.settings).toMatchObject({ database: 'sales' });
  });

  it('replaces the stored password when a new one is sent, sealed again', async () => {
    const admin = await h.as(h.a, 'admin');
    const created = await workspaceConnection();
    const replacement = randomUUID();
    await admin.connections.update({
      connectionId: created.id,
      name: created.name,
      settings: settings(),
      secrets: { password: replacement },
    });
    const row = await rawRow(created.id);
    const opened = h.vault.openText(
      row?.credentials ?? Buffer.alloc(0),
      connectionCredentialsContext(h.a.workspaceId, created.id),
    );
    expect(opened.ok && JSON.parse(opened.value)).toEqual({ password: replacement });
  });
});

describe('stored credentials only go where they were entered for', () => {
  it('refuses an edit that moves the host, the port or TLS while keeping the stored password, and changes nothing', async () => {
    const editor = await h.as(h.a, 'editor');
    const password = randomUUID();
    const own = await editor.connections.createForProject({
      projectId: h.a.projectId,
      name: uniqueName('moved'),
      kind: 'postgres',
      settings: settings(),
      secrets: { password },
    });
    const before = await rawRow(own.id);
    for (const moved of [
      { host: 'collector.example' },
      { port: 6543 },
      { sslMode: 'verify-full' },
      // Another CA trusts another server as the database.
      { caCertificate: testTlsSettings().caCertificate },
      { username: 'postgres' },
    ]) {
      const refused = await refusal(
        editor.connections.update({ connectionId: own.id, name: own.name, settings: settings(moved) }),
      );
      expect(refused, JSON.stringify(moved)).toMatchObject({
        quarry: 'connections.invalid_settings',
        details: { field: 'password' },
      });
      const tested = await refusal(
        editor.connections.test({
          connectionId: own.id,
          settings: settings(moved),
          secrets: { password: '' },
        }),
      );
      expect(tested.quarry).toBe('connections.invalid_settings');
    }
    expect(await rawRow(own.id)).toEqual(before);
    expect(await h.database.db.select().from(connectionProbes)).toEqual([]);
    // Typing the password again for the new host is fine.
    const moved = await editor.connections.update({
      connectionId: own.id,
      name: own.name,
      settings: settings({ host: 'collector.example' }),
      secrets: { password: randomUUID() },
    });
    expect(moved.status).toBe('ready');
    await editor.connections.delete({ connectionId: own.id });
  });

  it('needs the password again to complete a draft saved with a password and no host', async () => {
    const admin = await h.as(h.a, 'admin');
    const draft = await admin.connections.create({
      name: uniqueName('draft'),
      kind: 'postgres',
      settings: { database: 'analytics', username: 'reader' },
      secrets: { password: randomUUID() },
      draft: true,
    });
    const before = await rawRow(draft.id);
    const refused = await refusal(
      admin.connections.update({ connectionId: draft.id, name: draft.name, settings: settings() }),
    );
    expect(refused).toMatchObject({ quarry: 'connections.invalid_settings', details: { field: 'password' } });
    expect(await rawRow(draft.id)).toEqual(before);
    const completed = await admin.connections.update({
      connectionId: draft.id,
      name: draft.name,
      settings: settings(),
      secrets: { password: randomUUID() },
    });
    expect(completed.status).toBe('ready');
    expect((await admin.connections.get({ connectionId: draft.id })).storedSecrets).toEqual(['password']);
  });
});

describe('creating connections', () => {
  it('saves an incomplete workspace connection as a draft, and refuses it with the field named otherwise', async () => {
    const admin = await h.as(h.a, 'admin');
    const name = uniqueName('draft');
    const refused = await refusal(
      admin.connections.create({ name, kind: 'postgres', settings: { host: 'db.example.com' } }),
    );
    expect(refused).toMatchObject({ quarry: 'connections.invalid_settings', details: { field: 'database' } });
    const draft = await admin.connections.create({
      name,
      kind: 'postgres',
      settings: { host: 'db.example.com' },
      draft: true,
    });
    expect(draft).toMatchObject({ status: 'draft', scope: 'workspace', usageCount: 0 });
    // Completing it validates it in full.
    const completed = await admin.connections.update({
      connectionId: draft.id,
      name,
      settings: settings(),
      draft: false,
    });
    expect(completed.status).toBe('ready');
  });

  it('refuses a second connection with a name already taken in the workspace', async () => {
    const admin = await h.as(h.a, 'admin');
    const first = await workspaceConnection();
    const refused = await refusal(
      admin.connections.create({ name: first.name, kind: 'postgres', settings: settings() }),
    );
    expect(refused).toMatchObject({ code: 'CONFLICT', quarry: 'connections.name_taken' });
  });

  it('saves one of two connections created at once under the same name, and refuses the other', async () => {
    const admin = await h.as(h.a, 'admin');
    const name = uniqueName('race');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, () =>
        admin.connections.create({ name, kind: 'postgres', settings: settings() }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rows = await h.database.db.select().from(connections).where(eq(connections.name, name));
    expect(rows).toHaveLength(1);
  });

  it('refuses a connection string, a file-reading driver option and server options (CONN-1)', async () => {
    const admin = await h.as(h.a, 'admin');
    const attempts: Array<[Record<string, unknown>, string]> = [
      [{ connectionString: 'postgres://reader@db.example.com/analytics' }, 'connectionString'],
      [{ sslrootcert: '/etc/passwd' }, 'sslrootcert'],
      [{ options: '-c search_path=evil' }, 'options'],
      [{ host: '/var/run/postgresql' }, 'host'],
      [{ host: 'db.example.com?sslmode=disable' }, 'host'],
    ];
    for (const [extra, field] of attempts) {
      const refused = await refusal(
        admin.connections.create({ name: uniqueName('bad'), kind: 'postgres', settings: settings(extra) }),
      );
      expect(refused, field).toMatchObject({ quarry: 'connections.invalid_settings', details: { field } });
    }
    const kinds = await admin.connections.kinds();
    expect(kinds.map((k) => k.kind)).toEqual(
      expect.arrayContaining(['postgres', 'mysql', 'mariadb', 'cloudsql_mysql']),
    );
    expect(kinds.find((k) => k.kind === 'mysql')).toMatchObject({
      tier: 1,
      dialect: 'mysql',
      defaultPort: 3306,
    });
  });

  it('lets an Editor create a project connection in a project they can edit, imported there only', async () => {
    const editor = await h.as(h.a, 'editor');
    const created = await editor.connections.createForProject({
      projectId: h.a.projectId,
      name: uniqueName('mine'),
      kind: 'postgres',
      settings: settings(),
      secrets: { password: randomUUID() },
    });
    expect(created).toMatchObject({
      scope: 'project',
      project: { id: h.a.projectId },
      usageCount: 1,
      canManage: true,
      status: 'ready',
    });
    expect((await editor.connections.list()).map((c) => c.id)).toContain(created.id);
    expect((await (await h.as(h.a, 'viewer')).connections.list()).map((c) => c.id)).not.toContain(created.id);
    expect(await editor.connections.usage({ connectionId: created.id })).toEqual([
      { projectId: h.a.projectId, name: expect.any(String) },
    ]);
    // A project connection is not imported elsewhere, nor shared as a workspace one.
    const other = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    expect(
      (await refusal(editor.connections.importIntoProject({ projectId: other, connectionId: created.id })))
        .quarry,
    ).toBe('connections.project_scoped');
    await editor.connections.delete({ connectionId: created.id });
  });

  it('refuses "Share with workspace" to an Editor, and makes a workspace connection for an Admin', async () => {
    const editor = await h.as(h.a, 'editor');
    const refused = await refusal(
      editor.connections.createForProject({
        projectId: h.a.projectId,
        name: uniqueName('shared'),
        kind: 'postgres',
        settings: settings(),
        shareWithWorkspace: true,
      }),
    );
    expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.role_not_allowed' });
    const shared = await (await h.as(h.a, 'admin')).connections.createForProject({
      projectId: h.a.projectId,
      name: uniqueName('shared'),
      kind: 'postgres',
      settings: settings(),
      shareWithWorkspace: true,
    });
    expect(shared).toMatchObject({ scope: 'workspace', project: null, usageCount: 1 });
  });

  it('refuses project connections while Admins switched them off, and marks existing ones unavailable', async () => {
    const admin = await h.as(h.a, 'admin');
    const editor = await h.as(h.a, 'editor');
    const existing = await editor.connections.createForProject({
      projectId: h.a.projectId,
      name: uniqueName('before'),
      kind: 'postgres',
      settings: settings(),
    });
    await admin.connections.setProjectConnectionsEnabled({ enabled: false });
    try {
      expect(await editor.connections.projectConnectionsSetting()).toEqual({ enabled: false });
      const refused = await refusal(
        editor.connections.createForProject({
          projectId: h.a.projectId,
          name: uniqueName('after'),
          kind: 'postgres',
          settings: settings(),
        }),
      );
      expect(refused.quarry).toBe('access.project_connections_disabled');
      const listed = (await admin.connections.list()).find((c) => c.id === existing.id);
      expect(listed?.unavailable).toMatchObject({ code: 'access.project_connections_disabled' });
      // Nobody but an Admin manages one while they are off.
      expect((await refusal(editor.connections.get({ connectionId: existing.id }))).code).toBe('FORBIDDEN');
    } finally {
      await admin.connections.setProjectConnectionsEnabled({ enabled: true });
      await admin.connections.delete({ connectionId: existing.id });
    }
    const audits = await h.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'workspace.project_connections_change'))
      .orderBy(asc(auditEvents.id));
    expect(audits.map((a) => a.details)).toEqual([
      { before: true, after: false },
      { before: false, after: true },
    ]);
  });
});

describe('refusals on every connection procedure', () => {
  it('refuses a Viewer, a Guest, an Editor and another workspace’s Admin every management procedure, changing nothing', async () => {
    const target = await workspaceConnection();
    const before = await rawRow(target.id);
    const importsBefore = await h.database.db.select().from(projectConnections);
    const ref = { connectionId: target.id };
    const facts = {
      ...ref,
      groupsWithAccess: ['workspace'],
      canQuery: [],
      canViewResults: null,
      canRefreshSchema: 'admins_only' as const,
    };
    const callers = {
      viewer: { caller: await h.as(h.a, 'viewer'), expected: 'FORBIDDEN' },
      guest: { caller: await h.as(h.a, 'guest'), expected: 'FORBIDDEN' },
      editor: { caller: await h.as(h.a, 'editor'), expected: 'FORBIDDEN' },
      otherWorkspace: { caller: await h.as(h.b, 'admin'), expected: 'NOT_FOUND' },
    };
    for (const [who, { caller, expected }] of Object.entries(callers)) {
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['get', () => caller.connections.get(ref)],
        ['update', () => caller.connections.update({ ...ref, name: 'taken over', settings: settings() })],
        ['delete', () => caller.connections.delete(ref)],
        ['usage', () => caller.connections.usage(ref)],
        ['setDefault', () => caller.connections.setDefault(ref)],
        ['test', () => caller.connections.test({ ...ref, settings: settings({ host: 'evil.example' }) })],
        ['permissions', () => caller.connections.permissions(ref)],
        ['previewPermissions', () => caller.connections.previewPermissions(facts)],
        ['updatePermissions', () => caller.connections.updatePermissions(facts)],
      ];
      for (const [name, call] of calls) {
        expect((await refusal(call())).code, `${who} ${name}`).toBe(expected);
      }
    }
    for (const who of ['viewer', 'guest'] as const) {
      const { caller } = callers[who];
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['create', () => caller.connections.create({ name: 'x', kind: 'postgres', settings: settings() })],
        ['testNew', () => caller.connections.testNew({ kind: 'postgres', settings: settings() })],
        [
          'createForProject',
          () =>
            caller.connections.createForProject({
              projectId: h.a.projectId,
              name: 'x',
              kind: 'postgres',
              settings: settings(),
            }),
        ],
        [
          'testNewForProject',
          () =>
            caller.connections.testNewForProject({
              projectId: h.a.projectId,
              kind: 'postgres',
              settings: settings(),
            }),
        ],
        [
          'importIntoProject',
          () => caller.connections.importIntoProject({ projectId: h.a.projectId, ...ref }),
        ],
        [
          'removeFromProject',
          () => caller.connections.removeFromProject({ projectId: h.a.projectId, ...ref }),
        ],
        [
          'setProjectConnectionsEnabled',
          () => caller.connections.setProjectConnectionsEnabled({ enabled: false }),
        ],
      ];
      for (const [name, call] of calls) {
        expect((await refusal(call())).code, `${who} ${name}`).toBe('FORBIDDEN');
      }
    }
    const otherAdmin = callers.otherWorkspace.caller;
    expect(
      (await refusal(otherAdmin.connections.importIntoProject({ projectId: h.a.projectId, ...ref }))).code,
    ).toBe('NOT_FOUND');
    expect(
      (
        await refusal(
          otherAdmin.connections.createForProject({
            projectId: h.a.projectId,
            name: 'x',
            kind: 'postgres',
            settings: settings(),
          }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    // B's Admin, in their own workspace, cannot import A's connection into B's project either.
    expect(
      (await refusal(otherAdmin.connections.importIntoProject({ projectId: h.b.projectId, ...ref }))).code,
    ).toBe('NOT_FOUND');

    expect(await rawRow(target.id)).toEqual(before);
    expect(await h.database.db.select().from(projectConnections)).toEqual(importsBefore);
    expect(await (await h.as(h.a, 'admin')).connections.projectConnectionsSetting()).toEqual({
      enabled: true,
    });
  });

  it('hides a connection from an Editor outside its groups and refuses to import it, with the engine’s reason', async () => {
    const admin = await h.as(h.a, 'admin');
    const editor = await h.as(h.a, 'editor');
    const target = await workspaceConnection();
    const group = await admin.groups.create({ name: uniqueName('analysts') });
    await admin.connections.updatePermissions({
      connectionId: target.id,
      groupsWithAccess: [group.id],
      canQuery: null,
      canViewResults: null,
      canRefreshSchema: 'can_query',
    });
    expect((await editor.connections.list()).map((c) => c.id)).not.toContain(target.id);
    const refused = await refusal(
      editor.connections.importIntoProject({ projectId: h.a.projectId, connectionId: target.id }),
    );
    expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.no_asset_access' });
    expect(refused.message).toContain(target.name);
    expect(
      await h.database.db
        .select()
        .from(projectConnections)
        .where(eq(projectConnections.connectionId, target.id)),
    ).toEqual([]);
  });

  it('shows a Guest no connection outside their groups, and nobody but Admins a draft', async () => {
    const admin = await h.as(h.a, 'admin');
    const draft = await admin.connections.create({
      name: uniqueName('draft'),
      kind: 'postgres',
      settings: {},
      draft: true,
    });
    expect(await (await h.as(h.a, 'guest')).connections.list()).toEqual([]);
    const viewerSees = (await (await h.as(h.a, 'viewer')).connections.list()).map((c) => c.id);
    expect(viewerSees).toContain(h.a.connectionId);
    expect(viewerSees).not.toContain(draft.id);
    expect((await admin.connections.list()).map((c) => c.id)).toContain(draft.id);
  });

  it('lets an Editor manage a project connection only where they can edit its project', async () => {
    const admin = await h.as(h.a, 'admin');
    const editor = await h.as(h.a, 'editor');
    const viewOnly = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_view' }]);
    const theirs = await admin.connections.createForProject({
      projectId: viewOnly,
      name: uniqueName('view only'),
      kind: 'postgres',
      settings: settings(),
    });
    const refused = await refusal(editor.connections.get({ connectionId: theirs.id }));
    expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.cannot_manage_connection' });
    const closed = await projectIn(h, h.a, []);
    const hidden = await admin.connections.createForProject({
      projectId: closed,
      name: uniqueName('closed'),
      kind: 'postgres',
      settings: settings(),
    });
    expect((await refusal(editor.connections.delete({ connectionId: hidden.id }))).code).toBe('NOT_FOUND');
    expect(await rawRow(hidden.id)).toBeTruthy();
    // A project connection's permissions follow its project.
    expect((await refusal(admin.connections.permissions({ connectionId: theirs.id }))).quarry).toBe(
      'connections.project_scoped',
    );
  });
});

describe('usage, removal and deletion', () => {
  it('deletes a connection from every project that used it, the cells keeping its name, and audits it', async () => {
    const admin = await h.as(h.a, 'admin');
    const target = await workspaceConnection();
    await admin.connections.importIntoProject({ projectId: h.a.projectId, connectionId: target.id });
    expect(
      (
        await refusal(
          admin.connections.importIntoProject({ projectId: h.a.projectId, connectionId: target.id }),
        )
      ).quarry,
    ).toBe('connections.already_imported');
    const cellId = newId('cell');
    await h.database.db.insert(cells).values({
      id: cellId,
      workspaceId: h.a.workspaceId,
      projectId: h.a.projectId,
      position: 99,
      name: 'query_99',
      source: 'select 1',
    });
    await admin.projects.updateCell({
      projectId: h.a.projectId,
      cellId,
      source: 'select 2',
      connectionId: target.id,
    });
    expect(await admin.connections.usage({ connectionId: target.id })).toEqual([
      { projectId: h.a.projectId, name: expect.any(String) },
    ]);

    // A past run on it keeps its history: runs.connection_id is not a foreign key.
    const runId = newId('run');
    await h.database.db.insert(runs).values({
      id: runId,
      workspaceId: h.a.workspaceId,
      projectId: h.a.projectId,
      cellId,
      ownerId: h.a.users.admin.id,
      connectionId: target.id,
      source: 'select 2',
      rowLimit: 10,
      status: 'succeeded',
    });

    expect(await admin.connections.delete({ connectionId: target.id })).toEqual({ removedFromProjects: 1 });
    const [run] = await h.database.db.select().from(runs).where(eq(runs.id, runId));
    expect(run?.connectionId).toBe(target.id);

    const project = await admin.projects.get({ projectId: h.a.projectId });
    if (project.logicHidden) throw new Error('an Admin sees the logic');
    expect(project.cells.find((c) => c.id === cellId)).toMatchObject({
      connectionId: null,
      connectionNote: { reason: 'connection_deleted', connectionName: target.name },
    });
    expect(project.connections.map((c) => c.id)).not.toContain(target.id);
    expect(await rawRow(target.id)).toBeUndefined();
    const [audit] = await h.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'connection.delete'), eq(auditEvents.targetId, target.id)));
    expect(audit?.details).toMatchObject({ name: target.name, projectIds: [h.a.projectId] });
    expect(JSON.stringify(audit)).not.toContain(target.password);
    await h.database.db.delete(cells).where(eq(cells.id, cellId));
  });

  it('deletes a connection while a schema refresh of it is writing its catalog: no deadlock, nothing left', async () => {
    const admin = await h.as(h.a, 'admin');
    const target = await workspaceConnection();
    const { sql } = h.database;
    // The connection's refresh, running (its creation may have queued one already).
    await sql`
      insert into schema_refreshes (id, workspace_id, connection_id, trigger, status, started_at)
      values (${newId('schema_refresh')}, ${h.a.workspaceId}, ${target.id}, 'manual', 'running', now())
      on conflict do nothing`;
    await sql`update schema_refreshes set status = 'running' where connection_id = ${target.id}
      and status in ('queued', 'running')`;
    // The runner's apply (refresh-schema.ts): the refresh's row first, then the catalog's rows,
    // whose foreign key holds the connection's row.
    const refresh = await sql.reserve();
    try {
      await refresh`begin`;
      await refresh`select id from schema_refreshes where connection_id = ${target.id} and status = 'running' for update`;
      const deleted = admin.connections.delete({ connectionId: target.id }).then(
        (answer) => ({ answer }),
        (error: unknown) => ({ error: String(error) }),
      );
      // The delete has started by now, and waits for what it needs of the refresh.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await refresh`
        insert into schema_tables (id, workspace_id, connection_id, database, schema, name, kind, column_count, signature)
        values (${newId('schema_table')}, ${h.a.workspaceId}, ${target.id}, 'warehouse', 'public', 'orders', 'table', 0, 'x')`;
      await refresh`commit`;
      // Before the fix the delete took the connection's row, then waited for the refresh's row (its
      // cascade), while the refresh's insert waited for the connection's row: a deadlock, and the
      // delete was the one PostgreSQL aborted.
      expect(await deleted).toEqual({ answer: { removedFromProjects: 0 } });
    } finally {
      refresh.release();
    }
    expect(await rawRow(target.id)).toBeUndefined();
    const [left] = await sql<{ tables: number; refreshes: number }[]>`
      select (select count(*)::int from schema_tables where connection_id = ${target.id}) as tables,
        (select count(*)::int from schema_refreshes where connection_id = ${target.id}) as refreshes`;
    expect(left).toEqual({ tables: 0, refreshes: 0 });
  });

  it('removing a connection from a project leaves its cells saying it was removed', async () => {
    const editor = await h.as(h.a, 'editor');
    const target = await workspaceConnection();
    await editor.connections.importIntoProject({ projectId: h.a.projectId, connectionId: target.id });
    await editor.projects.updateCell({
      projectId: h.a.projectId,
      cellId: h.a.cellId,
      source: 'select 1',
      connectionId: target.id,
    });
    await editor.connections.removeFromProject({ projectId: h.a.projectId, connectionId: target.id });
    const project = await editor.projects.get({ projectId: h.a.projectId });
    if (project.logicHidden) throw new Error('an Editor sees the logic');
    expect(project.cells.find((c) => c.id === h.a.cellId)).toMatchObject({
      connectionId: null,
      connectionNote: { reason: 'connection_removed', connectionName: target.name },
    });
    // Picking a connection again clears the note.
    await editor.projects.updateCell({
      projectId: h.a.projectId,
      cellId: h.a.cellId,
      source: 'select 1',
      connectionId: h.a.connectionId,
    });
    const again = await editor.projects.get({ projectId: h.a.projectId });
    if (again.logicHidden) throw new Error('an Editor sees the logic');
    expect(again.cells.find((c) => c.id === h.a.cellId)).toMatchObject({
      connectionId: h.a.connectionId,
      connectionNote: null,
    });
  });

  it('refuses a cell connection its project does not import', async () => {
    const editor = await h.as(h.a, 'editor');
    const elsewhere = await workspaceConnection();
    const refused = await refusal(
      editor.projects.updateCell({
        projectId: h.a.projectId,
        cellId: h.a.cellId,
        source: 'select 1',
        connectionId: elsewhere.id,
      }),
    );
    expect(refused.quarry).toBe('connections.not_in_project');
    const refusedOther = await refusal(
      editor.projects.updateCell({
        projectId: h.a.projectId,
        cellId: h.a.cellId,
        source: 'select 1',
        connectionId: h.b.connectionId,
      }),
    );
    expect(refusedOther.quarry).toBe('connections.not_in_project');
    const [cell] = await h.database.db.select().from(cells).where(eq(cells.id, h.a.cellId));
    expect(cell?.connectionId).toBe(h.a.connectionId);
  });
});

describe('the default connection', () => {
  it('keeps one default: setting another clears the previous one; drafts and project connections cannot be it', async () => {
    const admin = await h.as(h.a, 'admin');
    const first = await workspaceConnection();
    const second = await workspaceConnection();
    await admin.connections.setDefault({ connectionId: first.id });
    await admin.connections.setDefault({ connectionId: second.id });
    const defaults = (await admin.connections.list()).filter((c) => c.isDefault).map((c) => c.id);
    expect(defaults).toEqual([second.id]);
    const draft = await admin.connections.create({
      name: uniqueName('d'),
      kind: 'postgres',
      settings: {},
      draft: true,
    });
    expect((await refusal(admin.connections.setDefault({ connectionId: draft.id }))).quarry).toBe(
      'connections.draft',
    );
    const own = await admin.connections.createForProject({
      projectId: h.a.projectId,
      name: uniqueName('own'),
      kind: 'postgres',
      settings: settings(),
    });
    expect((await refusal(admin.connections.setDefault({ connectionId: own.id }))).quarry).toBe(
      'connections.project_scoped',
    );
    await admin.connections.delete({ connectionId: own.id });
  });
});

describe('previewPermissions', () => {
  it('lists who a Can query restriction would downgrade, with the engine’s reason, and saves nothing', async () => {
    const admin = await h.as(h.a, 'admin');
    const group = await admin.groups.create({ name: uniqueName('queriers') });
    const before = await rawRow(h.a.connectionId);
    const preview = await admin.connections.previewPermissions({
      connectionId: h.a.connectionId,
      groupsWithAccess: ['workspace'],
      canQuery: [group.id],
      canViewResults: null,
      canRefreshSchema: 'can_query',
    });
    const editor = preview.changes.find((c) => c.userId === h.a.users.editor.id);
    expect(editor).toMatchObject({
      projectId: h.a.projectId,
      before: 'can_edit',
      after: 'can_explore',
      reasons: [expect.objectContaining({ code: 'access.downgraded_no_can_query' })],
    });
    expect(preview.changes.find((c) => c.userId === h.a.users.admin.id)).toBeUndefined();
    expect(await rawRow(h.a.connectionId)).toEqual(before);
  });

  it("answers another workspace's group as if it did not exist", async () => {
    const theirs = await (await h.as(h.b, 'admin')).groups.create({ name: uniqueName('theirs') });
    const admin = await h.as(h.a, 'admin');
    const refused = await refusal(
      admin.connections.previewPermissions({
        connectionId: h.a.connectionId,
        groupsWithAccess: ['workspace'],
        canQuery: [theirs.id],
        canViewResults: null,
        canRefreshSchema: 'can_query',
      }),
    );
    expect(refused).toMatchObject({ code: 'NOT_FOUND', quarry: 'not_found.group' });
  });
});
