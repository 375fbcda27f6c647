import { newId } from '@quarry/db';
import {
  auditEvents,
  connections,
  groupMembers,
  groups,
  schemaColumns,
  schemaRefreshes,
  schemaTables,
} from '@quarry/db/schema';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSchemaChanges, refreshSchema, tableSignature } from './refresh-schema';

let database: TestDatabase;
let warehouse: TestWarehouse;
let admin: postgres.Sql;
let fixture: WorkspaceFixture;
let other: WorkspaceFixture;
let deps: Parameters<typeof refreshSchema>[0];

beforeAll(async () => {
  database = await createTestDatabase();
  warehouse = await createTestWarehouse({ orders: 10 });
  admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  fixture = await createWorkspaceFixture(database.db, { vault: loaded.value, warehouse: warehouse.reader });
  other = await createWorkspaceFixture(database.db, {
    vault: loaded.value,
    warehouse: warehouse.reader,
    name: 'Other',
  });
  deps = {
    db: database.db,
    vault: loaded.value,
    log: pino({ level: 'silent' }),
    now: () => new Date(),
    allowPrivateHosts: LOOPBACK_ALLOW_LIST,
  };
});
afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
  await database?.drop();
});

async function queueRefresh(
  requestedBy: string | null = fixture.users.admin.id,
  trigger: 'manual' | 'created' = 'manual',
  connectionId = fixture.connectionId,
) {
  const id = newId('schema_refresh');
  await database.db.insert(schemaRefreshes).values({
    id,
    workspaceId: fixture.workspaceId,
    connectionId,
    trigger,
    requestedBy,
  });
  return id;
}
const job = (refreshId?: string) => ({
  workspaceId: fixture.workspaceId,
  connectionId: fixture.connectionId,
  ...(refreshId ? { refreshId } : {}),
});
const refreshRow = async (id: string) =>
  (await database.db.select().from(schemaRefreshes).where(eq(schemaRefreshes.id, id)))[0];
const storedNames = async (connectionId = fixture.connectionId) =>
  (await database.db.select().from(schemaTables).where(eq(schemaTables.connectionId, connectionId)))
    .map((t) => `${t.schema}.${t.name}`)
    .sort();
const refresh = async (refreshId?: string, jobId = `job-${Math.random()}`) =>
  refreshSchema(deps, job(refreshId), { jobId });
const setFilter = (include: object[], exclude: object[]) =>
  database.db
    .update(connections)
    .set({ schemaFilter: { include, exclude } as never })
    .where(eq(connections.id, fixture.connectionId));

describe('refreshing a schema', () => {
  it('adds new tables with their columns, then removes dropped ones and counts what changed', async () => {
    await admin.unsafe(`create table public.added_later (id int primary key, label text);
      grant select on public.added_later to ${warehouse.reader.username}`);
    const first = await queueRefresh();
    await refresh(first);
    expect(await refreshRow(first)).toMatchObject({ status: 'succeeded', removed: 0, changed: 0 });
    expect(await storedNames()).toEqual(expect.arrayContaining(['public.orders', 'public.added_later']));
    const [table] = await database.db.select().from(schemaTables).where(eq(schemaTables.name, 'added_later'));
    const columns = await database.db
      .select()
      .from(schemaColumns)
      .where(eq(schemaColumns.tableId, table?.id ?? ''))
      .orderBy(schemaColumns.position);
    expect(columns.map((c) => [c.name, c.dbType, c.nullable, c.primaryKey])).toEqual([
      ['id', 'integer', false, true],
      ['label', 'text', true, false],
    ]);
    const added = (await refreshRow(first))?.added ?? 0;
    expect(added).toBe((await storedNames()).length);

    await admin.unsafe(
      'drop table public.added_later; alter table public.customers add column nickname text',
    );
    const second = await queueRefresh();
    await refresh(second);
    expect(await refreshRow(second)).toMatchObject({ status: 'succeeded', added: 0, removed: 1, changed: 1 });
    expect(await storedNames()).not.toContain('public.added_later');
    const audits = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'schema.refresh'), eq(auditEvents.chain, fixture.workspaceId)));
    expect(audits.filter((a) => a.outcome === 'success').length).toBeGreaterThanOrEqual(2);
  });

  it('skips what the filter hides and removes it from the store', async () => {
    await refresh(await queueRefresh());
    const before = await storedNames();
    expect(before).toContain('public.customers');
    const hidden = before.filter((n) => /^[^.]+\.cust/i.test(n));
    await setFilter([], [{ table: 'cust*' }]);
    try {
      const id = await queueRefresh();
      await refresh(id);
      expect(await storedNames()).not.toContain('public.customers');
      expect(await storedNames()).toContain('public.orders');
      expect((await refreshRow(id))?.removed).toBe(hidden.length);
      expect(await storedNames()).toEqual(before.filter((n) => !hidden.includes(n)));
      await setFilter([{ table: 'orders' }], []);
      await refresh(await queueRefresh());
      expect(await storedNames()).toEqual(['public.orders']);
    } finally {
      await setFilter([], []);
      await refresh(await queueRefresh());
    }
  });

  it('applies a refresh once when its job is retried while the first attempt still runs (JOB-1)', async () => {
    await admin.unsafe(
      `create table public.twice (id int); grant select on public.twice to ${warehouse.reader.username}`,
    );
    const id = await queueRefresh();
    await Promise.all([refresh(id, 'job-a'), refresh(id, 'job-a')]);
    const row = await refreshRow(id);
    expect(row?.status).toBe('succeeded');
    expect((await storedNames()).filter((n) => n === 'public.twice')).toHaveLength(1);
    const audits = await database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'schema.refresh'));
    expect(audits.filter((a) => (a.details as { refreshId?: string })?.refreshId === id)).toHaveLength(1);
    // A retry after it finished changes nothing.
    const finishedAt = row?.finishedAt;
    await refresh(id, 'job-a');
    expect((await refreshRow(id))?.finishedAt).toEqual(finishedAt);
  });

  it('carries on a refresh its first attempt left running (the runner died after taking it)', async () => {
    const id = await queueRefresh();
    await database.db
      .update(schemaRefreshes)
      .set({ status: 'running', startedAt: new Date(Date.now() - 60_000), progressDone: 3, progressTotal: 9 })
      .where(eq(schemaRefreshes.id, id));
    await refresh(id, 'job-retried');
    expect(await refreshRow(id)).toMatchObject({ status: 'succeeded' });
    expect((await refreshRow(id))?.progressDone).toBe((await refreshRow(id))?.progressTotal);
  });

  it('shows progress on the refresh row while it runs', async () => {
    const id = await queueRefresh();
    // Holding the store's table makes the refresh wait at its final write, after it read everything.
    const blocker = postgres(database.url, { max: 1, onnotice: () => {} });
    let running: Promise<void> = Promise.resolve();
    try {
      await blocker.begin(async (tx) => {
        await tx`lock table schema_tables in access exclusive mode`;
        running = refresh(id);
        const deadline = Date.now() + 40_000;
        let seen = await refreshRow(id);
        while (
          !(
            seen?.status === 'running' &&
            seen.progressTotal !== null &&
            seen.progressDone === seen.progressTotal
          )
        ) {
          if (Date.now() > deadline) throw new Error(`no progress seen: ${JSON.stringify(seen)}`);
          await new Promise((r) => setTimeout(r, 20));
          seen = await refreshRow(id);
        }
        expect(seen.progressTotal).toBeGreaterThan(0);
      });
    } finally {
      await blocker.end({ timeout: 5 });
    }
    await running;
    expect((await refreshRow(id))?.status).toBe('succeeded');
  });

  it('re-checks Can refresh schema for whoever asked, and refuses one who lost it (JOB-4)', async () => {
    const group = newId('group');
    await database.db
      .insert(groups)
      .values({ id: group, workspaceId: fixture.workspaceId, name: 'analysts' });
    await database.db
      .insert(groupMembers)
      .values({ groupId: group, userId: fixture.users.admin.id, workspaceId: fixture.workspaceId });
    await database.db
      .update(connections)
      .set({ canQuery: [group] })
      .where(eq(connections.id, fixture.connectionId));
    try {
      const id = await queueRefresh(fixture.users.editor.id);
      await refresh(id);
      expect(await refreshRow(id)).toMatchObject({
        status: 'failed',
        errorCode: 'schema.refresh_not_allowed',
      });
    } finally {
      await database.db
        .update(connections)
        .set({ canQuery: null })
        .where(eq(connections.id, fixture.connectionId));
    }
  });

  it('ignores a job naming another workspace’s connection', async () => {
    const id = await queueRefresh();
    await refreshSchema(
      deps,
      { workspaceId: other.workspaceId, connectionId: fixture.connectionId, refreshId: id },
      { jobId: 'x' },
    );
    expect((await refreshRow(id))?.status).toBe('queued');
    await refreshSchema(
      deps,
      { workspaceId: fixture.workspaceId, connectionId: other.connectionId },
      { jobId: 'y' },
    );
    expect(
      await database.db
        .select()
        .from(schemaRefreshes)
        .where(eq(schemaRefreshes.connectionId, other.connectionId)),
    ).toEqual([]);
    await refresh(id);
  });

  describe('a schedule tick (no refresh yet)', () => {
    it('makes one refresh per job, found again by its retry, and joins one already active', async () => {
      await refreshSchema(deps, job(), { jobId: 'tick-1' });
      await refreshSchema(deps, job(), { jobId: 'tick-1' });
      const ticks = await database.db
        .select()
        .from(schemaRefreshes)
        .where(eq(schemaRefreshes.jobId, 'tick-1'));
      expect(ticks.map((t) => [t.trigger, t.status])).toEqual([['scheduled', 'succeeded']]);
      const active = await queueRefresh();
      await refreshSchema(deps, job(), { jobId: 'tick-2' });
      expect(
        await database.db.select().from(schemaRefreshes).where(eq(schemaRefreshes.jobId, 'tick-2')),
      ).toEqual([]);
      await refresh(active);
    });

    it('does nothing when the cadence is off', async () => {
      await database.db
        .update(connections)
        .set({ refreshCadence: 'off' })
        .where(eq(connections.id, fixture.connectionId));
      try {
        await refreshSchema(deps, job(), { jobId: 'tick-off' });
        expect(
          await database.db.select().from(schemaRefreshes).where(eq(schemaRefreshes.jobId, 'tick-off')),
        ).toEqual([]);
      } finally {
        await database.db
          .update(connections)
          .set({ refreshCadence: null })
          .where(eq(connections.id, fixture.connectionId));
      }
    });
  });
});

describe('planSchemaChanges', () => {
  const table = (name: string, type = 'int') => ({
    database: 'd',
    schema: 's',
    name,
    kind: 'table' as const,
    comment: null,
    columns: [{ name: 'c', dbType: type, nullable: true, comment: null, primaryKey: false, position: 1 }],
  });
  it('sorts what was read into added, changed and removed', () => {
    const stored = [
      { id: 'stb_keep', database: 'd', schema: 's', name: 'keep', signature: tableSignature(table('keep')) },
      {
        id: 'stb_change',
        database: 'd',
        schema: 's',
        name: 'change',
        signature: tableSignature(table('change')),
      },
      { id: 'stb_gone', database: 'd', schema: 's', name: 'gone', signature: 'x' },
    ];
    const plan = planSchemaChanges(stored, [table('keep'), table('change', 'text'), table('new')]);
    expect(plan.added.map((t) => t.name)).toEqual(['new']);
    expect(plan.changed.map((c) => c.id)).toEqual(['stb_change']);
    expect(plan.removedIds).toEqual(['stb_gone']);
  });
});
