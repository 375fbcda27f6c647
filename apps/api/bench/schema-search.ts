/**
 * Schema browsing at scale (issue 10): a warehouse schema of 5,000 tables × 20 columns is refreshed
 * as a background job (Refresh pressed through the API → schema.refresh job → runner → metadata
 * store), then the data browser's search procedure answers a set of queries. Side by side in the
 * same run: the same searches as bare ILIKE scans on the store, without the procedure's access
 * checks, ranking or transport. Last line: {"bench":"schema-search",…}.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createApiHarness, warehouseSettings } from '@quarry/api/testing';
import { testAdminUrl } from '@quarry/db/testing';
import postgres from 'postgres';
import { startTestRunner } from '../src/testing/start-test-runner';

const SCHEMAS = 10;
const TABLES_PER_SCHEMA = 500;
const COLUMNS = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const QUERIES = [
  'orders',
  'customer_id',
  'created',
  'events_0042',
  'sales_07',
  'amount',
  'id',
  'zz_nothing',
  'col_1',
  'o',
];

const WORDS = [
  'orders',
  'customers',
  'events',
  'sessions',
  'invoices',
  'products',
  'payments',
  'shipments',
  'clicks',
  'users',
];
const COLUMN_NAMES = [
  'id',
  'created_at',
  'updated_at',
  'customer_id',
  'amount',
  'status',
  'region',
  'note',
  'score',
  'is_active',
  ...Array.from({ length: COLUMNS - 10 }, (_, i) => `col_${i + 10}`),
];

const h = await createApiHarness({ orders: 10 });
const runner = await startTestRunner({ databaseUrl: h.database.url, masterKey: h.masterKey });
const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

// A login role of the bench's own: the demo reader role is shared by every test process on the
// server, and one of them may reset its password while this bench builds its warehouse.
const role = `quarry_bench_${randomBytes(6).toString('hex')}`;
const password = randomUUID();
const admin = postgres(h.warehouse.adminUrl, { max: SCHEMAS, onnotice: () => {} });

try {
  await admin.unsafe(`create role ${role} login password '${password}'`);
  const built = performance.now();
  const columns = COLUMN_NAMES.map(
    (c, i) => `${c} ${i % 3 === 0 ? 'bigint' : i % 3 === 1 ? 'text' : 'numeric(12,2)'}`,
  ).join(', ');
  await Promise.all(
    Array.from({ length: SCHEMAS }, async (_, s) => {
      const schema = `sales_${String(s).padStart(2, '0')}`;
      await admin.unsafe(`create schema ${schema}`);
      await admin.unsafe(`
        do $$ begin
          for i in 0..${TABLES_PER_SCHEMA - 1} loop
            execute format('create table ${schema}.%I (${columns})',
              (array['${WORDS.join("','")}'])[1 + i % ${WORDS.length}] || '_' || lpad(i::text, 4, '0'));
          end loop;
        end $$`);
      await admin.unsafe(`grant usage on schema ${schema} to ${role};
        grant select on all tables in schema ${schema} to ${role}`);
    }),
  );
  await admin.unsafe(`grant connect on database "${h.warehouse.reader.database}" to ${role}`);
  console.log(
    `warehouse: ${SCHEMAS * TABLES_PER_SCHEMA} tables × ${COLUMNS} columns built in ${Math.round(performance.now() - built)} ms`,
  );

  // A new connection starts its first refresh at once, as a background job: timed from the
  // create call until the refresh succeeded.
  const caller = await h.as(h.a, 'admin');
  const started = performance.now();
  const created = await caller.connections.create({
    name: 'bench warehouse',
    kind: 'postgres',
    settings: warehouseSettings(h, { username: role }),
    secrets: { password },
  });
  const connectionId = created.id;
  let tree = await caller.schema.browse({ connectionId });
  const refresh = tree.activeRefresh;
  if (!refresh) throw new Error('the new connection started no refresh');
  let status = refresh;
  while (status.status === 'queued' || status.status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = await caller.schema.refreshStatus({ refreshId: refresh.id });
  }
  const refreshMs = Math.round(performance.now() - started);
  if (status.status !== 'succeeded') throw new Error(`refresh ${status.status}: ${status.error?.message}`);
  tree = await caller.schema.browse({ connectionId });
  console.log(
    `refresh: ${tree.tableCount} tables stored (${JSON.stringify(status.counts)}) in ${refreshMs} ms`,
  );
  if (tree.tableCount !== SCHEMAS * TABLES_PER_SCHEMA)
    throw new Error('the refresh stored another number of tables');

  const browseStarted = performance.now();
  await caller.schema.browse({ connectionId });
  const browseMs = Math.round(performance.now() - browseStarted);

  const store = h.deps.sql;
  const procedure: number[] = [];
  const perQuery = new Map<string, number[]>();
  const baseline: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const q of QUERIES) {
      const a = performance.now();
      const found = await caller.schema.search({ connectionId, q, limit: 50 });
      procedure.push(performance.now() - a);
      perQuery.set(q, [...(perQuery.get(q) ?? []), performance.now() - a]);
      const b = performance.now();
      const pattern = `%${q}%`;
      const raw = await store`
        select name from schema_tables where connection_id = ${connectionId} and name ilike ${pattern}
        union all
        select name from schema_columns where connection_id = ${connectionId} and name ilike ${pattern}
        limit 51`;
      baseline.push(performance.now() - b);
      if (round === 0)
        console.log(
          `search ${JSON.stringify(q)}: ${found.hits.length} hits${found.truncated ? '+' : ''} (raw ILIKE ${raw.length})`,
        );
    }
  }
  for (const [q, times] of perQuery)
    console.log(
      `  ${JSON.stringify(q)}: p50 ${Math.round(percentile(times, 50))} ms, max ${Math.round(Math.max(...times))} ms`,
    );
  const figures = {
    bench: 'schema-search',
    refresh_ms: refreshMs,
    search_p95_ms: Math.round(percentile(procedure, 95)),
    search_p50_ms: Math.round(percentile(procedure, 50)),
    raw_ilike_p95_ms: Math.round(percentile(baseline, 95)),
    browse_ms: browseMs,
    tables: tree.tableCount,
    columns: tree.tableCount * COLUMNS,
    searches: procedure.length,
  };
  console.log(
    `search p95 ${figures.search_p95_ms} ms (p50 ${figures.search_p50_ms}) vs raw ILIKE p95 ${figures.raw_ilike_p95_ms} ms; browse ${browseMs} ms`,
  );
  console.log(
    JSON.stringify({
      bench: figures.bench,
      refresh_ms: figures.refresh_ms,
      search_p95_ms: figures.search_p95_ms,
    }),
  );
} finally {
  await runner.stop();
  await admin.end({ timeout: 5 });
  await h.close();
  // The role is the server's, not the dropped warehouse's: removed once nothing uses it.
  const server = postgres(testAdminUrl(), { max: 1, onnotice: () => {} });
  await server.unsafe(`drop role if exists ${role}`).catch(() => {});
  await server.end({ timeout: 5 });
}
process.exit(0);
