import { newId } from '@quarry/db';
import { connections, schemaColumns, schemaRefreshes, schemaTables } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectConnection, workspaceConnection } from '../attacks4/attack-kit';
import { groupIn, projectIn, refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;
/** A's stored schema, written straight to the store: these attacks need no runner. */
const stored: Record<string, string> = {};

async function storeTable(connectionId: string, workspaceId: string, name: string, comment?: string) {
  const id = newId('schema_table');
  await h.database.db.insert(schemaTables).values({
    id,
    workspaceId,
    connectionId,
    database: 'analytics',
    schema: 'public',
    name,
    kind: 'table',
    comment: comment ?? null,
    columnCount: 1,
    signature: id,
  });
  await h.database.db.insert(schemaColumns).values({
    tableId: id,
    workspaceId,
    connectionId,
    position: 1,
    name: `col_${name}`,
    dbType: 'text',
    nullable: true,
    comment: null,
    primaryKey: false,
  });
  return id;
}

const refreshesOf = (connectionId: string) =>
  h.database.db.select().from(schemaRefreshes).where(eq(schemaRefreshes.connectionId, connectionId));

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  for (const name of ['secret_payroll', 'a_c', 'abc', 'a%c', 'a\\c', 'aXc']) {
    stored[name] = await storeTable(h.a.connectionId, h.a.workspaceId, name, `comment of ${name}`);
  }
  stored.refresh = newId('schema_refresh');
  await h.database.db.insert(schemaRefreshes).values({
    id: stored.refresh,
    workspaceId: h.a.workspaceId,
    connectionId: h.a.connectionId,
    trigger: 'manual',
    requestedBy: h.a.users.admin.id,
    status: 'succeeded',
  });
}, 60_000);
afterAll(() => h?.close());

describe("another workspace's Admin holding A's connection, table and refresh ids", () => {
  it('is told NOT_FOUND by every schema procedure, learns no name and starts nothing', async () => {
    const bAdmin = await h.as(h.b, 'admin');
    const connectionId = h.a.connectionId;
    const before = await refreshesOf(connectionId);
    const [settingsBefore] = await h.database.db
      .select({ filter: connections.schemaFilter, cadence: connections.refreshCadence })
      .from(connections)
      .where(eq(connections.id, connectionId));
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['browse', () => bAdmin.schema.browse({ connectionId })],
      ['browse from B project', () => bAdmin.schema.browse({ connectionId, projectId: h.b.projectId })],
      ['search', () => bAdmin.schema.search({ connectionId, q: 'secret' })],
      ['columns', () => bAdmin.schema.columns({ connectionId, tableId: stored.secret_payroll as string })],
      // A's table id asked through B's own connection.
      [
        'columns via own connection',
        () =>
          bAdmin.schema.columns({ connectionId: h.b.connectionId, tableId: stored.secret_payroll as string }),
      ],
      ['refresh', () => bAdmin.schema.refresh({ connectionId })],
      ['refreshStatus', () => bAdmin.schema.refreshStatus({ refreshId: stored.refresh as string })],
      ['settings', () => bAdmin.schema.settings({ connectionId })],
      [
        'updateSettings',
        () =>
          bAdmin.schema.updateSettings({
            connectionId,
            cadence: 'hourly',
            filter: { include: [], exclude: [{ table: '*' }] },
          }),
      ],
      ['forgetSshHostKey', () => bAdmin.connections.forgetSshHostKey({ connectionId })],
      ['identitySetup', () => bAdmin.connections.identitySetup({ connectionId })],
    ];
    for (const [what, attempt] of attempts) {
      const refused = await refusal(attempt());
      expect(refused.code, what).toBe('NOT_FOUND');
      expect(refused.text, what).not.toContain('payroll');
      expect(refused.text, what).not.toContain(h.a.workspaceId);
    }
    expect(await refreshesOf(connectionId)).toEqual(before);
    const [settingsAfter] = await h.database.db
      .select({ filter: connections.schemaFilter, cadence: connections.refreshCadence })
      .from(connections)
      .where(eq(connections.id, connectionId));
    expect(settingsAfter).toEqual(settingsBefore);
  });
});

describe('members without Can query on the connection', () => {
  it('browse, search, read columns of, refresh and poll none of it, in any role but Admin', async () => {
    const nobody = await groupIn(h, h.a, []);
    await h.deps.sql`update connections set can_query = ${[nobody]} where id = ${h.a.connectionId}`;
    try {
      const connectionId = h.a.connectionId;
      const before = (await refreshesOf(connectionId)).length;
      for (const role of ['manager', 'editor', 'explorer', 'viewer', 'guest'] as const) {
        const member = await h.as(h.a, role);
        for (const projectId of [undefined, h.a.projectId]) {
          const input = { connectionId, ...(projectId ? { projectId } : {}) };
          const attempts: Array<[string, () => Promise<unknown>]> = [
            ['browse', () => member.schema.browse(input)],
            ['search', () => member.schema.search({ ...input, q: 'a' })],
            ['columns', () => member.schema.columns({ ...input, tableId: stored.abc as string })],
            ['refresh', () => member.schema.refresh(input)],
          ];
          for (const [what, attempt] of attempts) {
            const refused = await refusal(attempt());
            expect(['FORBIDDEN', 'NOT_FOUND'], `${role} ${what}`).toContain(refused.code);
            expect(refused.text, `${role} ${what}`).not.toContain('payroll');
          }
        }
        expect(
          (await refusal(member.schema.refreshStatus({ refreshId: stored.refresh as string }))).code,
        ).toBe('NOT_FOUND');
      }
      expect((await refreshesOf(connectionId)).length).toBe(before);
      // The Admin still browses: the refusals above are about Can query, not a broken fixture.
      const tree = await (await h.as(h.a, 'admin')).schema.browse({ connectionId });
      expect(tree.tableCount).toBe(Object.keys(stored).length - 1);
    } finally {
      await h.deps.sql`update connections set can_query = null where id = ${h.a.connectionId}`;
    }
  });
});

describe('a table id of one connection asked through another of the same workspace', () => {
  it('answers NOT_FOUND, so Can query on one connection reads no column of another', async () => {
    const nobody = await groupIn(h, h.a, []);
    const closed = await workspaceConnection(h, h.a);
    await h.deps.sql`update connections set can_query = ${[nobody]} where id = ${closed.id}`;
    const hidden = await storeTable(closed.id, h.a.workspaceId, 'closed_salaries');
    const editor = await h.as(h.a, 'editor');
    // The Editor may query the fixture connection, and names the closed connection's table through it.
    const refused = await refusal(editor.schema.columns({ connectionId: h.a.connectionId, tableId: hidden }));
    expect(refused.code).toBe('NOT_FOUND');
    expect(refused.text).not.toContain('salaries');
    const found = await editor.schema.search({ connectionId: h.a.connectionId, q: 'salaries' });
    expect(found.hits).toEqual([]);
  });
});

describe('Can refresh schema: Admins only', () => {
  it('holds against 25 parallel refreshes by an Editor who has Can query', async () => {
    const connectionId = h.a.connectionId;
    await h.deps.sql`update connections set can_refresh_schema = 'admins_only' where id = ${connectionId}`;
    try {
      const editor = await h.as(h.a, 'editor');
      const before = (await refreshesOf(connectionId)).length;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 25 }, (_, i) =>
          editor.schema.refresh({ connectionId, ...(i % 2 ? { projectId: h.a.projectId } : {}) }),
        ),
      );
      expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
      expect((await refreshesOf(connectionId)).length).toBe(before);
      // The browser tells the Editor why the button is off, without starting anything.
      const tree = await editor.schema.browse({ connectionId });
      expect(tree.canRefresh.allowed).toBe(false);
      // And the Editor cannot change the filter (which refreshes) or the cadence either.
      const refused = await refusal(
        editor.schema.updateSettings({
          connectionId,
          cadence: 'hourly',
          filter: { include: [], exclude: [] },
        }),
      );
      expect(refused.code).toBe('FORBIDDEN');
      expect((await refreshesOf(connectionId)).length).toBe(before);
    } finally {
      await h.deps.sql`update connections set can_refresh_schema = 'can_query' where id = ${connectionId}`;
    }
  });
});

describe('search with LIKE metacharacters', () => {
  const tablesFound = async (q: string) => {
    const admin = await h.as(h.a, 'admin');
    const { hits } = await admin.schema.search({ connectionId: h.a.connectionId, q, limit: 100 });
    return hits.filter((hit) => hit.type === 'table').map((hit) => hit.table);
  };

  it('takes %, _ and \\ literally, so they match only names holding them', async () => {
    expect(await tablesFound('_')).toEqual(['a_c', 'secret_payroll']);
    expect(await tablesFound('a_c')).toEqual(['a_c']);
    expect(await tablesFound('%')).toEqual(['a%c']);
    expect(await tablesFound('a%c')).toEqual(['a%c']);
    expect(await tablesFound('\\')).toEqual(['a\\c']);
    expect(await tablesFound('a\\c')).toEqual(['a\\c']);
    expect(await tablesFound('\\%')).toEqual([]);
    // Columns the same (their names are col_<table>), through the index-ordered buckets too.
    const admin = await h.as(h.a, 'admin');
    const { hits } = await admin.schema.search({ connectionId: h.a.connectionId, q: 'col_a_', limit: 100 });
    expect(hits.filter((hit) => hit.type === 'column').map((hit) => hit.column)).toEqual(['col_a_c']);
  });

  it('refuses a query longer than the limit and a limit above the cap, before any statement', async () => {
    const admin = await h.as(h.a, 'admin');
    for (const input of [
      { connectionId: h.a.connectionId, q: '%'.repeat(101) },
      { connectionId: h.a.connectionId, q: 'a', limit: 100_000 },
      { connectionId: h.a.connectionId, q: '   ' },
    ]) {
      expect((await refusal(admin.schema.search(input))).code).toBe('BAD_REQUEST');
    }
  });
});

describe('schema filters written to smuggle or overload', () => {
  it('refuses 51 rules, a 129-character pattern and unknown rule keys, changing nothing', async () => {
    const admin = await h.as(h.a, 'admin');
    const connectionId = h.a.connectionId;
    const before = await admin.schema.settings({ connectionId });
    const bad = [
      { include: [], exclude: Array.from({ length: 51 }, () => ({ table: '*' })) },
      { include: [{ table: `${'*a'.repeat(64)}b` }], exclude: [] },
      { include: [{ table: 'x', sql: "' or 1=1 --" }], exclude: [] },
      { include: [{}], exclude: [] },
    ];
    for (const filter of bad) {
      const refused = await refusal(
        admin.schema.updateSettings({ connectionId, cadence: 'off', filter: filter as never }),
      );
      expect(refused.code).toBe('BAD_REQUEST');
    }
    expect(await admin.schema.settings({ connectionId })).toEqual(before);
  });
});

describe('a project connection reached from elsewhere', () => {
  it('is not browsed from another project, nor by a Can view member of its own', async () => {
    const editor = h.a.users.editor.id;
    const viewer = h.a.users.explorer.id;
    const home = await projectIn(h, h.a, [
      { userId: editor, permission: 'can_edit' },
      { userId: viewer, permission: 'can_view' },
    ]);
    const other = await projectIn(h, h.a, [
      { userId: editor, permission: 'can_edit' },
      { userId: viewer, permission: 'full_access' },
    ]);
    const own = await projectConnection(h, h.a, 'editor', home);
    await storeTable(own.id, h.a.workspaceId, 'home_only');
    const editorCaller = await h.as(h.a, 'editor');
    expect((await editorCaller.schema.browse({ connectionId: own.id, projectId: home })).tableCount).toBe(1);
    expect((await refusal(editorCaller.schema.browse({ connectionId: own.id, projectId: other }))).code).toBe(
      'NOT_FOUND',
    );
    // The workspace connection from a project that does not import it.
    expect(
      (await refusal(editorCaller.schema.browse({ connectionId: h.a.connectionId, projectId: other }))).code,
    ).toBe('NOT_FOUND');
    const viewerCaller = await h.as(h.a, 'explorer');
    for (const projectId of [undefined, home, other]) {
      const refused = await refusal(
        viewerCaller.schema.search({ connectionId: own.id, q: 'home', ...(projectId ? { projectId } : {}) }),
      );
      expect(['FORBIDDEN', 'NOT_FOUND'], String(projectId)).toContain(refused.code);
      expect(refused.text).not.toContain('home_only');
    }
  });
});
