/**
 * The walking skeleton end to end against a raw postgres.js cursor on the same query, alternated in
 * one process run: Run pressed through the API (SDK, token auth) → job → runner → sealed chunks →
 * API stream → every row read by the SDK; versus `.cursor(1000)` straight on the warehouse.
 * Last line: {"bench":"skeleton-run",…}.
 */
import { hashPassword } from '@quarry/auth';
import { createTestDatabase, createWorkspaceFixture } from '@quarry/db/testing';
import { createQuarryClient } from '@quarry/sdk';
import { launchProduct } from '@quarry/stack';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import postgres from 'postgres';

const QUERY = 'select * from orders limit 100000';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PASSWORD = 'bench password 1';

const warehouseUrl = process.env.QUARRY_TEST_WAREHOUSE_URL;
if (!warehouseUrl)
  throw new Error('QUARRY_TEST_WAREHOUSE_URL is not set: run benchmarks with `npm run bench`');
const wh = new URL(warehouseUrl);

const database = await createTestDatabase();
const masterKey = generateMasterKey();
const vault = loadVaultFromEnv({ QUARRY_MASTER_KEY: masterKey });
if (!vault.ok) throw new Error(vault.error.message);
const fixture = await createWorkspaceFixture(database.db, {
  vault: vault.value,
  passwordHash: await hashPassword(PASSWORD),
  warehouse: {
    host: wh.hostname,
    port: Number(wh.port || 5432),
    database: wh.pathname.slice(1),
    username: decodeURIComponent(wh.username),
    password: decodeURIComponent(wh.password),
  },
});
const product = await launchProduct({
  databaseUrl: database.url,
  masterKey,
  port: 3950,
  logLevel: 'warn',
  quiet: true,
  allowPrivateHosts: wh.hostname,
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

try {
  const signIn = await fetch(`${product.url}/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ json: { email: fixture.users.editor.email, password: PASSWORD } }),
  });
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const created = await fetch(`${product.url}/trpc/tokens.create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ json: { name: 'bench' } }),
  });
  const token = ((await created.json()) as { result: { data: { json: { token: string } } } }).result.data.json
    .token;
  const client = createQuarryClient({ url: product.url, token });

  const e2e = { rate: [] as number[], first: [] as number[] };
  const raw = { rate: [] as number[], first: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    {
      const started = performance.now();
      let first = 0;
      let rows = 0;
      const result = await client.query({
        projectId: fixture.projectId,
        cellId: fixture.cellId,
        sql: QUERY,
        rowLimit: 100_000,
      });
      for await (const _ of result.rows) {
        if (rows === 0) first = performance.now() - started;
        rows += 1;
      }
      const seconds = (performance.now() - started) / 1000;
      e2e.rate.push(rows / seconds);
      e2e.first.push(first);
      console.log(
        `round ${round + 1} e2e: ${rows} rows in ${seconds.toFixed(2)} s, first row ${first.toFixed(0)} ms`,
      );
    }
    {
      const sql = postgres(warehouseUrl, { max: 1 });
      const started = performance.now();
      let first = 0;
      let rows = 0;
      for await (const batch of sql.unsafe(QUERY).cursor(1000)) {
        if (rows === 0) first = performance.now() - started;
        rows += batch.length;
      }
      const seconds = (performance.now() - started) / 1000;
      await sql.end();
      raw.rate.push(rows / seconds);
      raw.first.push(first);
      console.log(
        `round ${round + 1} raw: ${rows} rows in ${seconds.toFixed(2)} s, first row ${first.toFixed(0)} ms`,
      );
    }
  }
  const figures = {
    bench: 'skeleton-run',
    query: QUERY,
    rounds: ROUNDS,
    e2e_rows_per_s: Math.round(median(e2e.rate)),
    raw_rows_per_s: Math.round(median(raw.rate)),
    ratio: Number((median(e2e.rate) / median(raw.rate)).toFixed(3)),
    e2e_first_row_ms: Math.round(median(e2e.first)),
    raw_first_row_ms: Math.round(median(raw.first)),
  };
  console.log(
    `median e2e ${figures.e2e_rows_per_s} rows/s vs raw cursor ${figures.raw_rows_per_s} rows/s: ratio ${figures.ratio}`,
  );
  console.log(JSON.stringify(figures));
} finally {
  await product.stop();
  await database.drop();
}
process.exit(0);
