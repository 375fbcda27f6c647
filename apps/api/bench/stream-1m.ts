/**
 * 1,000,000 rows of the demo warehouse's `orders` end to end against a raw postgres.js cursor on
 * the same query, alternated in one process run (issue 11, "Done when"): Run through the API (SDK,
 * token auth) → job → runner (gate, COPY or cursor) → sealed chunks → API stream → an SDK client
 * reading every row as cells; versus `.cursor(1000)` straight on the warehouse over the same TLS.
 * Runner and API peak RSS are each round's peak of their processes (VmRSS sampled every 20 ms).
 * Last line: {"bench":"stream-1m",…} with medians.
 */
import { readFileSync } from 'node:fs';
import { hashPassword } from '@quarry/auth';
import { createTestDatabase, createTestWarehouse, createWorkspaceFixture } from '@quarry/db/testing';
import { createQuarryClient } from '@quarry/sdk';
import { launchProduct } from '@quarry/stack';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import postgres from 'postgres';

const ROWS = Number(process.env.BENCH_STREAM_ROWS ?? 1_000_000);
const QUERY = 'select * from orders';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PASSWORD = 'bench password 1';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** A process's resident set now, in MB (Linux). */
const rssMb = (pid: number | undefined) => {
  if (!pid) return 0;
  try {
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Math.round(Number(rss ?? 0) / 1024);
  } catch {
    return 0;
  }
};

/** Samples the processes' resident sets every 20 ms until stopped; answers each one's peak. */
function samplePeaks(pids: (number | undefined)[]) {
  const peaks = pids.map(() => 0);
  const timer = setInterval(() => {
    pids.forEach((pid, i) => {
      peaks[i] = Math.max(peaks[i] ?? 0, rssMb(pid));
    });
  }, 20);
  return () => {
    clearInterval(timer);
    return peaks;
  };
}

console.log(`seeding a warehouse with ${ROWS.toLocaleString('en')} orders…`);
const warehouse = await createTestWarehouse({ orders: ROWS });
const database = await createTestDatabase();
const masterKey = generateMasterKey();
const vault = loadVaultFromEnv({ QUARRY_MASTER_KEY: masterKey });
if (!vault.ok) throw new Error(vault.error.message);
const fixture = await createWorkspaceFixture(database.db, {
  vault: vault.value,
  passwordHash: await hashPassword(PASSWORD),
  warehouse: { ...warehouse.reader },
});
const product = await launchProduct({
  databaseUrl: database.url,
  masterKey,
  // Another bench (or a colleague's) may hold the default: the runner's health port is port + 1.
  port: Number(process.env.BENCH_PORT ?? 3960),
  logLevel: 'warn',
  quiet: true,
  allowPrivateHosts: warehouse.reader.host,
});
const pidOf = (name: string) => product.processes.find((p) => p.name === name)?.child.pid;

try {
  const signIn = await fetch(`${product.url}/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ json: { email: fixture.users.editor.email, password: PASSWORD } }),
  });
  if (!signIn.ok) throw new Error(`auth.signIn answered ${signIn.status}: ${await signIn.text()}`);
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const created = await fetch(`${product.url}/trpc/tokens.create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ json: { name: 'bench' } }),
  });
  const createdBody = await created.json();
  if (!created.ok)
    throw new Error(`tokens.create answered ${created.status}: ${JSON.stringify(createdBody)}`);
  const token = (createdBody as { result: { data: { json: { token: string } } } }).result.data.json.token;
  const client = createQuarryClient({ url: product.url, token });

  // What the processes hold before any run: the part of the peaks a run adds is the rest.
  const idle = { runner: rssMb(pidOf('runner')), api: rssMb(pidOf('api')) };
  console.log(`before the first run: runner ${idle.runner} MB, api ${idle.api} MB`);
  const e2e = { rate: [] as number[], first: [] as number[], runner: [] as number[], api: [] as number[] };
  const raw = { rate: [] as number[], first: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    {
      const stopSampling = samplePeaks([pidOf('runner'), pidOf('api')]);
      const started = performance.now();
      let first = 0;
      let rows = 0;
      const result = await client.query({
        projectId: fixture.projectId,
        cellId: fixture.cellId,
        sql: QUERY,
        rowLimit: ROWS,
      });
      for await (const row of result.rows) {
        if (rows === 0) first = performance.now() - started;
        if (row.length !== 7) throw new Error(`a row of ${row.length} values`);
        rows += 1;
      }
      const seconds = (performance.now() - started) / 1000;
      if (rows !== ROWS) throw new Error(`the SDK read ${rows} rows, not ${ROWS}`);
      e2e.rate.push(rows / seconds);
      e2e.first.push(first);
      const [runnerPeak, apiPeak] = stopSampling();
      e2e.runner.push(runnerPeak ?? 0);
      e2e.api.push(apiPeak ?? 0);
      const summary = await client.api.runs.get.query({ runId: result.run.id });
      const ran = summary.durationMs ?? -1;
      console.log(
        `round ${round + 1} e2e: ${rows} rows in ${seconds.toFixed(2)} s, first row ${first.toFixed(0)} ms, ` +
          `runner ${e2e.runner.at(-1)} MB, api ${e2e.api.at(-1)} MB (the run took ${ran} ms)`,
      );
    }
    {
      const { reader } = warehouse;
      const sql = postgres({
        host: reader.host,
        port: reader.port,
        database: reader.database,
        username: reader.username,
        password: reader.password,
        ssl: {
          ca: warehouse.settings.caCertificate,
          rejectUnauthorized: true,
          checkServerIdentity: () => undefined,
        },
        max: 1,
      });
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
    bench: 'stream-1m',
    e2e_rows_per_s: Math.round(median(e2e.rate)),
    raw_rows_per_s: Math.round(median(raw.rate)),
    ratio: Number((median(e2e.rate) / median(raw.rate)).toFixed(3)),
    first_row_ms: Math.round(median(e2e.first)),
    runner_rss_mb: median(e2e.runner),
    api_rss_mb: median(e2e.api),
    runner_idle_rss_mb: idle.runner,
    api_idle_rss_mb: idle.api,
    rows: ROWS,
    rounds: ROUNDS,
    raw_first_row_ms: Math.round(median(raw.first)),
  };
  console.log(
    `median e2e ${figures.e2e_rows_per_s} rows/s vs raw cursor ${figures.raw_rows_per_s} rows/s: ratio ${figures.ratio}`,
  );
  console.log(JSON.stringify(figures));
} finally {
  await product.stop();
  await database.drop();
  await warehouse.drop();
}
process.exit(0);
