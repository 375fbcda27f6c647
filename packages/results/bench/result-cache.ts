/**
 * The result cache's cost on a 1M-row result (7 columns of text, in 16,000-row JSON chunks, the
 * runner's largest): recording it (seal + insert per chunk), then serving it (the lookup, the
 * whole-entry check, and reading every chunk back in order). The baseline, alternated with it in
 * each round: the same chunk bytes inserted into and read back from a plain bytea table, unsealed and
 * unchecked, i.e. what PostgreSQL alone costs. Medians of 3. Last line: one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { newId } from '@quarry/db';
import { connections, workspaces } from '@quarry/db/schema';
import { createTestDatabase } from '@quarry/db/testing';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import { cacheKeyFor } from '../src/cache/cache-key';
import { findFreshEntry } from '../src/cache/find-fresh-entry';
import { readEntryChunks } from '../src/cache/read-entry';
import { beginCacheEntry } from '../src/cache/write-entry';

const ROWS = 1_000_000;
const CHUNK = 16_000;
const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
if (!loaded.ok) throw new Error(loaded.error.message);
const vault = loaded.value;
const database = await createTestDatabase();
const workspaceId = newId('workspace');
await database.db.insert(workspaces).values({ id: workspaceId, name: 'bench' });
const connectionId = newId('connection');
await database.db.insert(connections).values({
  id: connectionId,
  workspaceId,
  name: 'bench',
  kind: 'postgres',
  createdBy: 'usr_bench',
  cacheTtlSeconds: 3600,
});
const columns = ['id', 'customer', 'status', 'total', 'placed_at', 'region', 'note'].map((name) => ({
  name,
  type: 'text' as const,
  dbType: 'text',
}));
const batches: { text: string; rowCount: number }[] = [];
for (let start = 0; start < ROWS; start += CHUNK) {
  const rows: string[][] = [];
  for (let i = start; i < Math.min(ROWS, start + CHUNK); i += 1) {
    rows.push([
      String(i),
      `customer ${i % 5000}`,
      i % 3 ? 'paid' : 'open',
      `${i % 997}.25`,
      '2026-01-15 13:45:00.123456+00',
      'emea',
      'x'.repeat(12),
    ]);
  }
  batches.push({ text: JSON.stringify(rows), rowCount: rows.length });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const record: number[] = [];
const serve: number[] = [];
const rawRecord: number[] = [];
const rawServe: number[] = [];
const { sql } = database;
await sql`create table bench_raw_chunks (round int, position int, data bytea, primary key (round, position))`;

/** The baseline: the same bytes, one insert per chunk, then read back in order, nothing sealed. */
async function rawRound(round: number) {
  let t = performance.now();
  let position = 0;
  for (const batch of batches) {
    position += 1;
    await sql`insert into bench_raw_chunks values (${round}, ${position}, ${Buffer.from(batch.text)})`;
  }
  rawRecord.push(performance.now() - t);
  t = performance.now();
  let rows = 0;
  for (let next = 1; next <= position; next += 1) {
    const [chunk] = await sql<{ data: Buffer }[]>`
      select data from bench_raw_chunks where round = ${round} and position = ${next}`;
    rows += (JSON.parse(chunk?.data.toString() ?? '[]') as unknown[]).length;
  }
  if (rows !== ROWS) throw new Error('short');
  rawServe.push(performance.now() - t);
}

for (let round = 0; round < 3; round += 1) {
  await rawRound(round);
  const key = cacheKeyFor({
    workspaceId,
    connectionId,
    connectionVersion: 'v1',
    sql: `select ${round}`,
    params: [],
    rowLimit: ROWS,
    identity: null,
  });
  let t = performance.now();
  const begun = await beginCacheEntry(database.db, vault, { key, ttlSeconds: 3600, now: new Date() });
  if (!begun.ok) throw new Error(begun.error.code);
  await begun.value.append({ kind: 'columns', columns });
  for (const batch of batches) await begun.value.append({ kind: 'rows', ...batch });
  if (!(await begun.value.complete({ rowCount: ROWS, truncated: false }))) throw new Error('not complete');
  record.push(performance.now() - t);
  t = performance.now();
  const found = await findFreshEntry(database.db, vault, key, new Date());
  if (!found.ok || !found.value) throw new Error('miss');
  for await (const _ of readEntryChunks(database.db, vault, found.value)) {
    // the check
  }
  let rows = 0;
  for await (const chunk of readEntryChunks(database.db, vault, found.value)) {
    if (chunk.kind === 'rows') rows += chunk.rowCount;
  }
  if (rows !== ROWS) throw new Error('short');
  serve.push(performance.now() - t);
}
await database.drop();
console.log(
  JSON.stringify({
    bench: 'result-cache',
    rows: ROWS,
    record_rows_per_s: Math.round(ROWS / (median(record) / 1000)),
    serve_rows_per_s: Math.round(ROWS / (median(serve) / 1000)),
    record_ms: Math.round(median(record)),
    serve_ms: Math.round(median(serve)),
    raw_record_ms: Math.round(median(rawRecord)),
    raw_serve_ms: Math.round(median(rawServe)),
    record_vs_raw: Number((median(record) / median(rawRecord)).toFixed(2)),
    serve_vs_raw: Number((median(serve) / median(rawServe)).toFixed(2)),
  }),
);
process.exit(0);
