import { reconcileSchemaRefresh } from '@quarry/api';
import {
  type ApiHarness,
  createApiHarness,
  groupIn,
  projectIn,
  refusal,
  uniqueName,
  warehouseSettings,
} from '@quarry/api/testing';
import type { RunningWorker } from '@quarry/query-runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRunner } from './testing/start-test-runner';
import { until } from './testing/until';

let h: ApiHarness;
let runner: RunningWorker;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  runner = await startTestRunner({ databaseUrl: h.database.url, masterKey: h.masterKey });
}, 60_000);

afterAll(async () => {
  await runner?.stop();
  await h?.close();
});

type Caller = Awaited<ReturnType<ApiHarness['as']>>;

/** Refreshes the connection as `caller` and waits for the runner to finish it. */
async function refreshed(caller: Caller, connectionId = h.a.connectionId) {
  const started = await caller.schema.refresh({ connectionId });
  return until(
    async () => {
      const seen = await caller.schema.refreshStatus({ refreshId: started.id });
      return seen.status === 'succeeded' || seen.status === 'failed' ? seen : undefined;
    },
    20_000,
    'the refresh did not finish',
  );
}

const setPermissions = async (values: { canRefreshSchema?: string; canQuery?: string[] | null }) => {
  if (values.canRefreshSchema) {
    await h.deps
      .sql`update connections set can_refresh_schema = ${values.canRefreshSchema} where id = ${h.a.connectionId}`;
  }
  if ('canQuery' in values) {
    await h.deps
      .sql`update connections set can_query = ${values.canQuery ?? null} where id = ${h.a.connectionId}`;
  }
};

type RefreshRow = { id: string; status: string; trigger: string; requested_by: string | null };
const refreshesOf = (connectionId: string) =>
  h.deps.sql<RefreshRow[]>`
    select id, status, trigger, requested_by from schema_refreshes where connection_id = ${connectionId}`;

const tableNames = (tree: Awaited<ReturnType<Caller['schema']['browse']>>) =>
  tree.databases.flatMap((d) => d.schemas.flatMap((s) => s.tables.map((t) => `${s.name}.${t.name}`)));

/** The pg-boss schedule of a connection's schema refresh, if it has one. */
const scheduleOf = async (connectionId: string) =>
  (
    await h.deps.sql<
      { cron: string }[]
    >`select cron from pgboss.schedule where name = 'schema.refresh' and key = ${connectionId}`
  )[0];

describe('browsing a refreshed schema', () => {
  it('shows the tree, a table’s columns, and who refreshed it when', async () => {
    const admin = await h.as(h.a, 'admin');
    const done = await refreshed(admin);
    expect(done).toMatchObject({ status: 'succeeded', trigger: 'manual', error: null });
    expect(done.counts?.added).toBeGreaterThan(0);
    const tree = await admin.schema.browse({ connectionId: h.a.connectionId });
    expect(tree.databases.map((d) => d.name)).toEqual([h.warehouse.reader.database]);
    expect(tableNames(tree)).toEqual(expect.arrayContaining(['public.orders', 'public.customers']));
    expect(tree.lastRefreshed).toMatchObject({ trigger: 'manual', by: { id: h.a.users.admin.id } });
    expect(tree.activeRefresh).toBeNull();
    expect(tree.canRefresh.allowed).toBe(true);
    const orders = tree.databases[0]?.schemas
      .find((s) => s.name === 'public')
      ?.tables.find((t) => t.name === 'orders');
    if (!orders) throw new Error('no orders table');
    const detail = await admin.schema.columns({ connectionId: h.a.connectionId, tableId: orders.id });
    expect(detail.columns[0]).toMatchObject({ name: 'id', primaryKey: true, nullable: false, position: 1 });
    expect(detail.columns.length).toBe(orders.columnCount);
  });

  it('searches every name: tables and columns, exact and prefix matches first, LIKE characters taken literally', async () => {
    const editor = await h.as(h.a, 'editor');
    const found = await editor.schema.search({ connectionId: h.a.connectionId, q: 'ORDERS', limit: 20 });
    expect(found.hits[0]).toMatchObject({ type: 'table', schema: 'public', table: 'orders', column: null });
    const columns = await editor.schema.search({
      connectionId: h.a.connectionId,
      q: 'customer_id',
      limit: 50,
    });
    expect(columns.hits.some((hit) => hit.type === 'column' && hit.table === 'orders')).toBe(true);
    const wildcard = await editor.schema.search({ connectionId: h.a.connectionId, q: '%', limit: 50 });
    expect(wildcard.hits).toEqual([]);
    const limited = await editor.schema.search({ connectionId: h.a.connectionId, q: 'i', limit: 2 });
    expect(limited).toMatchObject({ truncated: true });
    expect(limited.hits).toHaveLength(2);
  });

  it('joins a refresh already running instead of starting a second one', async () => {
    const admin = await h.as(h.a, 'admin');
    const [one, two] = await Promise.all([
      admin.schema.refresh({ connectionId: h.a.connectionId }),
      admin.schema.refresh({ connectionId: h.a.connectionId }),
    ]);
    expect(two.id).toBe(one.id);
    await until(
      async () =>
        (await admin.schema.refreshStatus({ refreshId: one.id })).status === 'succeeded' ? true : undefined,
      20_000,
      'the refresh did not finish',
    );
  });
});

describe('Can refresh schema', () => {
  it('Admins only: refuses an Editor with the engine’s reason, and browse shows it disabled with that reason', async () => {
    await setPermissions({ canRefreshSchema: 'admins_only' });
    try {
      const editor = await h.as(h.a, 'editor');
      const refused = await refusal(editor.schema.refresh({ connectionId: h.a.connectionId }));
      expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.refresh_admins_only' });
      const tree = await editor.schema.browse({ connectionId: h.a.connectionId });
      expect(tree.canRefresh).toEqual({
        allowed: false,
        reason: { code: 'access.refresh_admins_only', message: refused.message },
      });
      expect(tableNames(tree)).toContain('public.orders');
      expect((await refreshed(await h.as(h.a, 'admin'))).status).toBe('succeeded');
    } finally {
      await setPermissions({ canRefreshSchema: 'can_query' });
    }
  });

  it('everyone with Can query: an Editor in the query group refreshes; a Viewer outside it can neither browse nor refresh', async () => {
    const group = await groupIn(h, h.a, [h.a.users.editor.id]);
    await setPermissions({ canQuery: [group] });
    try {
      const editor = await h.as(h.a, 'editor');
      const done = await refreshed(editor);
      expect(done).toMatchObject({ status: 'succeeded', requestedBy: { id: h.a.users.editor.id } });
      const viewer = await h.as(h.a, 'viewer');
      for (const call of [
        () => viewer.schema.refresh({ connectionId: h.a.connectionId }),
        () => viewer.schema.browse({ connectionId: h.a.connectionId }),
        () => viewer.schema.search({ connectionId: h.a.connectionId, q: 'orders', limit: 5 }),
      ]) {
        expect(await refusal(call())).toMatchObject({ code: 'FORBIDDEN', quarry: 'access.no_can_query' });
      }
      // Nor may they read a refresh's progress: it does not exist for them.
      expect(await refusal(viewer.schema.refreshStatus({ refreshId: done.id }))).toMatchObject({
        code: 'NOT_FOUND',
      });
    } finally {
      await setPermissions({ canQuery: null });
    }
  });
});

describe('another workspace', () => {
  it('answers NOT_FOUND for its connection and its refresh, and starts nothing', async () => {
    const adminB = await h.as(h.b, 'admin');
    const before = await refreshesOf(h.a.connectionId);
    for (const call of [
      () => adminB.schema.browse({ connectionId: h.a.connectionId }),
      () => adminB.schema.refresh({ connectionId: h.a.connectionId }),
      () => adminB.schema.search({ connectionId: h.a.connectionId, q: 'orders', limit: 5 }),
      () => adminB.schema.columns({ connectionId: h.a.connectionId, tableId: 'stb_x' }),
      () => adminB.schema.settings({ connectionId: h.a.connectionId }),
      () =>
        adminB.schema.updateSettings({
          connectionId: h.a.connectionId,
          cadence: 'off',
          filter: { include: [], exclude: [] },
        }),
    ]) {
      expect((await refusal(call())).code).toBe('NOT_FOUND');
    }
    const some = before[0];
    if (!some) throw new Error('no refresh of A yet');
    expect((await refusal(adminB.schema.refreshStatus({ refreshId: some.id }))).code).toBe('NOT_FOUND');
    const after = await refreshesOf(h.a.connectionId);
    expect(after.length).toBe(before.length);
  });
});

describe('schema filtering', () => {
  it('hides filtered tables from browse and search, yet they stay queryable (filtering is not a permission)', async () => {
    const admin = await h.as(h.a, 'admin');
    await admin.schema.updateSettings({
      connectionId: h.a.connectionId,
      cadence: 'daily',
      filter: { include: [], exclude: [{ schema: 'public', table: 'cust*' }] },
    });
    try {
      // Changing the filter starts a refresh; wait for it.
      await until(
        async () => {
          const tree = await admin.schema.browse({ connectionId: h.a.connectionId });
          return tree.activeRefresh === null && !tableNames(tree).includes('public.customers')
            ? tree
            : undefined;
        },
        20_000,
        'the filtered refresh did not finish',
      );
      const editor = await h.as(h.a, 'editor');
      const tree = await editor.schema.browse({ connectionId: h.a.connectionId });
      expect(tableNames(tree)).not.toContain('public.customers');
      expect(tableNames(tree)).toContain('public.orders');
      const search = await editor.schema.search({
        connectionId: h.a.connectionId,
        q: 'customers',
        limit: 50,
      });
      expect(search.hits.filter((hit) => hit.table === 'customers')).toEqual([]);
      const run = await editor.runs.start({
        projectId: h.a.projectId,
        cellId: h.a.cellId,
        source: 'select count(*) as n from public.customers',
      });
      const finished = await until(
        async () => {
          const [row] = await h.deps.sql<{ status: string; row_count: number | null }[]>`
            select status, row_count from runs where id = ${run.id}`;
          return row && row.status !== 'queued' && row.status !== 'running' ? row : undefined;
        },
        20_000,
        'the run did not finish',
      );
      expect(finished).toEqual({ status: 'succeeded', row_count: 1 });
    } finally {
      await admin.schema.updateSettings({
        connectionId: h.a.connectionId,
        cadence: 'daily',
        filter: { include: [], exclude: [] },
      });
    }
  });

  it('refuses a filter with too many rules or an overlong pattern, and settings to non-Admins', async () => {
    const admin = await h.as(h.a, 'admin');
    const many = Array.from({ length: 51 }, (_, i) => ({ table: `t${i}` }));
    expect(
      (
        await refusal(
          admin.schema.updateSettings({
            connectionId: h.a.connectionId,
            cadence: 'off',
            filter: { include: many, exclude: [] },
          }),
        )
      ).code,
    ).toBe('BAD_REQUEST');
    expect(
      (
        await refusal(
          admin.schema.updateSettings({
            connectionId: h.a.connectionId,
            cadence: 'off',
            filter: { include: [{ table: 'x'.repeat(129) }], exclude: [] },
          }),
        )
      ).code,
    ).toBe('BAD_REQUEST');
    expect(
      (
        await refusal(
          admin.schema.updateSettings({
            connectionId: h.a.connectionId,
            cadence: 'off',
            filter: { include: [{}], exclude: [] },
          }),
        )
      ).code,
    ).toBe('BAD_REQUEST');
    const editor = await h.as(h.a, 'editor');
    expect((await refusal(editor.schema.settings({ connectionId: h.a.connectionId }))).code).toBe(
      'FORBIDDEN',
    );
  });
});

describe('scheduled refresh and new connections', () => {
  it('schedules a new workspace connection, refreshes it at once, and follows its cadence until it is deleted', async () => {
    const admin = await h.as(h.a, 'admin');
    const created = await admin.connections.create({
      name: uniqueName('new warehouse'),
      kind: 'postgres',
      settings: warehouseSettings(h),
      secrets: { password: h.warehouse.reader.password },
    });
    expect((await scheduleOf(created.id))?.cron).toMatch(/^\d+ \d+ \* \* \*$/);
    const first = await until(
      async () => {
        const [row] = await refreshesOf(created.id);
        return row?.status === 'succeeded' ? row : undefined;
      },
      20_000,
      'the first refresh did not finish',
    );
    expect(first).toMatchObject({ trigger: 'created', requested_by: h.a.users.admin.id });
    const tree = await admin.schema.browse({ connectionId: created.id });
    expect(tree.lastRefreshed?.trigger).toBe('created');

    await admin.schema.updateSettings({
      connectionId: created.id,
      cadence: 'hourly',
      filter: { include: [], exclude: [] },
    });
    expect((await scheduleOf(created.id))?.cron).toMatch(/^\d+ \* \* \* \*$/);
    await admin.schema.updateSettings({
      connectionId: created.id,
      cadence: 'off',
      filter: { include: [], exclude: [] },
    });
    expect(await scheduleOf(created.id)).toBeUndefined();
    await admin.schema.updateSettings({
      connectionId: created.id,
      cadence: 'weekly',
      filter: { include: [], exclude: [] },
    });
    expect((await scheduleOf(created.id))?.cron).toMatch(/^\d+ \d+ \* \* \d$/);
    await admin.connections.delete({ connectionId: created.id });
    expect(await scheduleOf(created.id)).toBeUndefined();
  });

  it('never schedules a project connection, still refreshes it at once, and refuses a cadence for it', async () => {
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const editor = await h.as(h.a, 'editor');
    const created = await editor.connections.createForProject({
      projectId,
      name: uniqueName('project warehouse'),
      kind: 'postgres',
      settings: warehouseSettings(h),
      secrets: { password: h.warehouse.reader.password },
    });
    expect(await scheduleOf(created.id)).toBeUndefined();
    await until(
      async () => {
        const [row] = await refreshesOf(created.id);
        return row?.status === 'succeeded' ? row : undefined;
      },
      20_000,
      'the first refresh did not finish',
    );
    const tree = await editor.schema.browse({ connectionId: created.id, projectId });
    expect(tableNames(tree)).toContain('public.orders');
    expect(await editor.schema.settings({ connectionId: created.id })).toMatchObject({
      cadence: 'off',
      scheduleAvailable: false,
    });
    const refused = await refusal(
      editor.schema.updateSettings({
        connectionId: created.id,
        cadence: 'daily',
        filter: { include: [], exclude: [] },
      }),
    );
    expect(refused.quarry).toBe('schema.schedule_workspace_only');
    expect(await scheduleOf(created.id)).toBeUndefined();
    // From another project, it does not exist.
    const other = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    expect((await refusal(editor.schema.browse({ connectionId: created.id, projectId: other }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('starts nothing for a draft', async () => {
    const admin = await h.as(h.a, 'admin');
    const draft = await admin.connections.create({
      name: uniqueName('draft'),
      kind: 'postgres',
      settings: { host: 'db.example.com' },
      secrets: {},
      draft: true,
    });
    expect(await scheduleOf(draft.id)).toBeUndefined();
    expect(await refreshesOf(draft.id)).toEqual([]);
    const refused = await refusal(admin.schema.refresh({ connectionId: draft.id }));
    expect(refused.quarry).toBe('schema.connection_draft');
    // Completed, it is new to the schema browser: scheduled, and refreshed at once.
    await admin.connections.update({
      connectionId: draft.id,
      name: draft.name,
      settings: warehouseSettings(h),
      secrets: { password: h.warehouse.reader.password },
    });
    expect((await scheduleOf(draft.id))?.cron).toMatch(/^\d+ \d+ \* \* \*$/);
    const first = await until(
      async () => {
        const [row] = await refreshesOf(draft.id);
        return row?.status === 'succeeded' ? row : undefined;
      },
      20_000,
      'the completed draft was not refreshed',
    );
    expect(first.trigger).toBe('created');
  });
});

describe('a refresh that failed or lost its runner', () => {
  it('tells the cause to those who manage the connection only, and lets a refresh whose runner went quiet be replaced', async () => {
    const admin = await h.as(h.a, 'admin');
    const closed = await admin.connections.create({
      name: uniqueName('closed port'),
      kind: 'postgres',
      settings: warehouseSettings(h, { port: 9 }),
      secrets: { password: h.warehouse.reader.password },
    });
    const failed = await until(
      async () => {
        const [row] = await refreshesOf(closed.id);
        return row?.status === 'failed' ? row : undefined;
      },
      20_000,
      'the refresh of a closed port did not fail',
    );
    const asAdmin = await admin.schema.refreshStatus({ refreshId: failed.id });
    expect(asAdmin.error?.code).toBe('connector.unreachable');
    const editor = await h.as(h.a, 'editor');
    const asEditor = await editor.schema.refreshStatus({ refreshId: failed.id });
    expect(asEditor.error?.code).toBe('schema.refresh_failed');
    expect(JSON.stringify(asEditor)).not.toMatch(/127\.0\.0\.1|:9\b|unreachable/);
    expect((await editor.schema.browse({ connectionId: closed.id })).lastFailure?.error?.code).toBe(
      'schema.refresh_failed',
    );

    // A refresh left running by a runner that died, quiet for an hour: the next request replaces it.
    await h.deps.sql`
      insert into schema_refreshes (id, workspace_id, connection_id, trigger, status, updated_at)
      values ('srf_stalestalestale1', ${h.a.workspaceId}, ${h.a.connectionId}, 'manual', 'running',
              now() - interval '1 hour')`;
    const fresh = await admin.schema.refresh({ connectionId: h.a.connectionId });
    expect(fresh.id).not.toBe('srf_stalestalestale1');
    const stale = await admin.schema.refreshStatus({ refreshId: 'srf_stalestalestale1' });
    expect(stale).toMatchObject({ status: 'failed', error: { code: 'schema.refresh_interrupted' } });
    await until(
      async () =>
        (await admin.schema.refreshStatus({ refreshId: fresh.id })).status === 'succeeded' ? true : undefined,
      20_000,
      'the replacing refresh did not finish',
    );
  });
});

describe('reconciling at start', () => {
  it('schedules ready workspace connections written without the API and refreshes those never refreshed, once', async () => {
    // Workspace B's fixture connection was written straight to the database, like the demo seed's.
    expect(await scheduleOf(h.b.connectionId)).toBeUndefined();
    expect(await refreshesOf(h.b.connectionId)).toEqual([]);
    await reconcileSchemaRefresh(h.deps);
    await reconcileSchemaRefresh(h.deps);
    expect((await scheduleOf(h.b.connectionId))?.cron).toMatch(/^\d+ \d+ \* \* \*$/);
    const first = await until(
      async () => {
        const rows = await refreshesOf(h.b.connectionId);
        return rows.length === 1 && rows[0]?.status === 'succeeded' ? rows : undefined;
      },
      20_000,
      'the reconciled refresh did not finish',
    );
    expect(first[0]).toMatchObject({ trigger: 'created', requested_by: h.b.users.admin.id });
    await reconcileSchemaRefresh(h.deps);
    expect(await refreshesOf(h.b.connectionId)).toHaveLength(1);
  });
});
