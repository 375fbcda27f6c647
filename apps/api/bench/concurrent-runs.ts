/**
 * A burst of small runs: 100 runs of `select <n>` started at once by 20 signed-in users (5 each, each
 * on a cell of its own) against two query runners, each read to its first row through the SDK. What
 * a data app opened by many people at once asks of the queue. Time to first row is from the run's
 * own start call; wall time is from the burst's start to its last row. The burst runs first on a
 * product just started (`cold_…`: each pooled connection plans every statement afresh for its
 * first executions), then three times more on the same product, as a product that has served for a
 * while meets it: the main figures, CPU per run included, are those of the median of these three
 * by p95 (`bursts_p95_first_row_ms` and `bursts_cpu_ms_per_run` list all three).
 *
 * The baseline in the same run is the machine itself (`reference_…`): a burst is CPU-bound on a
 * small machine, and this one's speed moved by a factor of four between hours with the same code.
 * Between bursts, a fixed piece of work is timed twice over: JavaScript alone in this process, and
 * round trips of a trivial statement to Quarry's database server; their medians say how fast the
 * machine was while the bursts ran, so figures of different hours can be compared.
 * Last line: {"bench":"concurrent-runs","p50_first_row_ms":…,"p95_first_row_ms":…,"wall_ms":…,
 * "cold_p95_first_row_ms":…,…}.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { hashPassword } from '@quarry/auth';
import { newId } from '@quarry/db';
import { cells } from '@quarry/db/schema';
import {
  addWorkspaceMember,
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
} from '@quarry/db/testing';
import { createQuarryClient, type QuarryClient } from '@quarry/sdk';
import { launchProduct } from '@quarry/stack';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';

const USERS = 20;
const RUNS_PER_USER = 5;
const RUNNERS = 2;
/** Bursts measured after the first; the figures are the median one's. */
const WARM_BURSTS = Number(process.env.QUARRY_BENCH_WARM_BURSTS ?? 3);
const PASSWORD = `bench password ${Math.random().toString(36).slice(2)}`;

const database = await createTestDatabase();
const warehouse = await createTestWarehouse({ orders: 10 });
const masterKey = generateMasterKey();
const vault = loadVaultFromEnv({ QUARRY_MASTER_KEY: masterKey });
if (!vault.ok) throw new Error(vault.error.message);
const passwordHash = await hashPassword(PASSWORD);
const fixture = await createWorkspaceFixture(database.db, {
  vault: vault.value,
  passwordHash,
  warehouse: warehouse.reader,
});

// Twenty editors, each with cells of their own: running a cell again would stop its earlier run.
const members = [];
for (let i = 0; i < USERS; i += 1) {
  members.push(
    await addWorkspaceMember(database.db, { workspaceId: fixture.workspaceId, role: 'editor', passwordHash }),
  );
}
const cellIds: string[] = [];
for (let i = 0; i < USERS * RUNS_PER_USER; i += 1) {
  const id = newId('cell');
  cellIds.push(id);
  await database.db.insert(cells).values({
    id,
    workspaceId: fixture.workspaceId,
    projectId: fixture.projectId,
    position: i + 1,
    name: `burst_${i + 1}`,
    kind: 'sql',
    connectionId: fixture.connectionId,
    source: 'select 1',
  });
}

// Two runners of five slots: together the per-connection limit (10 queries at once, the default).
process.env.QUARRY_RUNNER_CONCURRENCY ??= '5';
const product = await launchProduct({
  databaseUrl: database.url,
  masterKey,
  port: 3970,
  runners: RUNNERS,
  logLevel: 'warn',
  quiet: true,
  allowPrivateHosts: '127.0.0.1,::1,localhost',
});

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); 0 elsewhere. The
 * machine's other load changes wall times, hardly the CPU a burst costs each process.
 */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}
const cpuByProcess = () =>
  Object.fromEntries(product.processes.map((p) => [p.name, cpuMs(p.child.pid)])) as Record<string, number>;

/**
 * CPU time of every PostgreSQL process on the machine (the product's database and the warehouse:
 * on this bench both are local), counting backends that have ended through their postmaster's
 * children's time. Linux only; 0 elsewhere.
 */
function postgresCpuMs(): number {
  let total = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (!stat.includes('(postgres)')) continue;
        const fields = stat.split(') ')[1]?.split(' ') ?? [];
        // utime, stime, cutime, cstime: ended children (backends) are counted by their parent.
        total +=
          ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / 100;
      } catch {
        // The process ended while it was read.
      }
    }
  } catch {
    return 0;
  }
  return total;
}
const selfCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/**
 * The JavaScript reference: a fixed amount of work of the kinds a run costs the API and the
 * runners (objects built, JSON written and parsed, a digest), in this process, in ms.
 */
function referenceJsMs(): number {
  const started = performance.now();
  let digest = '';
  for (let i = 0; i < 400; i += 1) {
    const rows = Array.from({ length: 100 }, (_, n) => ({
      id: `run_${i}_${n}`,
      n,
      at: new Date(n * 1000).toISOString(),
    }));
    const text = JSON.stringify(rows);
    digest = createHash('sha256').update(text).update(digest).digest('hex');
    (JSON.parse(text) as unknown[]).sort();
  }
  if (digest.length !== 64) throw new Error('reference digest');
  return performance.now() - started;
}

/** The database reference: 1,000 round trips of a trivial statement on one connection, in ms. */
async function referencePgMs(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < 1000; i += 1) await database.sql`select ${i}::int as n`;
  return performance.now() - started;
}

/** Rounded to a tenth: CPU per run is a few ms, so whole ms would hide a change of a tenth of it. */
const tenths = (x: number) => Math.round(x * 10) / 10;

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

async function signedIn(email: string) {
  const signIn = await fetch(`${product.url}/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ json: { email, password: PASSWORD } }),
  });
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const created = await fetch(`${product.url}/trpc/tokens.create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ json: { name: 'bench' } }),
  });
  const token = ((await created.json()) as { result: { data: { json: { token: string } } } }).result.data.json
    .token;
  return createQuarryClient({ url: product.url, token });
}

try {
  const clients: QuarryClient[] = [];
  for (const member of members) clients.push(await signedIn(member.email));
  // One run alone first, for the figure a burst is compared with (and to warm both paths).
  const alone: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const started = performance.now();
    const result = await clients[0]?.query({
      projectId: fixture.projectId,
      cellId: cellIds[0] ?? '',
      sql: `select ${i} as n`,
    });
    for await (const _ of result?.rows ?? []) break;
    alone.push(performance.now() - started);
  }

  /** One burst: every cell run at once, each read to its end; its figures. */
  const burst = async () => {
    const startCalls: number[] = [];
    const cpuBefore = cpuByProcess();
    const postgresBefore = postgresCpuMs();
    const selfBefore = selfCpuMs();
    const burstStarted = performance.now();
    const burstSince = new Date();
    const firstRows = await Promise.all(
      cellIds.map(async (cellId, i) => {
        const client = clients[Math.floor(i / RUNS_PER_USER)];
        if (!client) throw new Error('no client');
        const started = performance.now();
        const result = await client.query({ projectId: fixture.projectId, cellId, sql: `select ${i} as n` });
        startCalls.push(performance.now() - started);
        let first = -1;
        for await (const row of result.rows) {
          if (first < 0) first = performance.now() - started;
          if (row[0] !== String(i) && row[0] !== i)
            throw new Error(`run ${i} answered ${JSON.stringify(row)}`);
        }
        if (first < 0) throw new Error(`run ${i} returned no row`);
        return first;
      }),
    );
    const wall = performance.now() - burstStarted;
    const cpuAfter = cpuByProcess();
    const postgresCpu = postgresCpuMs() - postgresBefore;
    const selfCpu = selfCpuMs() - selfBefore;
    const cpuOf = (prefix: string) =>
      Object.keys(cpuAfter)
        .filter((name) => name.startsWith(prefix))
        .reduce((sum, name) => sum + (cpuAfter[name] ?? 0) - (cpuBefore[name] ?? 0), 0);
    // Where the time went, from the runs themselves: waiting in the queue, then executing.
    const timings = await database.sql<{ waited: number; ran: number }[]>`
      select extract(epoch from started_at - created_at) * 1000 as waited,
             extract(epoch from finished_at - started_at) * 1000 as ran
      from runs where cell_id in ${database.sql(cellIds)} and status = 'succeeded'
        and created_at >= ${burstSince.toISOString()}::timestamptz`;
    const waited = timings.map((t) => Number(t.waited));
    const ran = timings.map((t) => Number(t.ran));
    const figures = {
      bench: 'concurrent-runs',
      runs: firstRows.length,
      users: USERS,
      runners: RUNNERS,
      alone_first_row_ms: Math.round(percentile(alone, 50)),
      p50_first_row_ms: Math.round(percentile(firstRows, 50)),
      p95_first_row_ms: Math.round(percentile(firstRows, 95)),
      max_first_row_ms: Math.round(Math.max(...firstRows)),
      start_call_p50_ms: Math.round(percentile(startCalls, 50)),
      start_call_p95_ms: Math.round(percentile(startCalls, 95)),
      queue_wait_p50_ms: Math.round(percentile(waited, 50)),
      queue_wait_p95_ms: Math.round(percentile(waited, 95)),
      run_p50_ms: Math.round(percentile(ran, 50)),
      run_p95_ms: Math.round(percentile(ran, 95)),
      api_cpu_ms_per_run: tenths(cpuOf('api') / firstRows.length),
      runner_cpu_ms_per_run: tenths(cpuOf('runner') / firstRows.length),
      postgres_cpu_ms_per_run: tenths(postgresCpu / firstRows.length),
      clients_cpu_ms_per_run: tenths(selfCpu / firstRows.length),
      wall_ms: Math.round(wall),
    };
    return figures;
  };
  // The first burst meets a product just started (each pooled connection plans each statement
  // afresh for its first executions); then WARM_BURSTS more, as a product that has served a while
  // meets one, of which the figures are the median burst's (by p95): one burst's p95 moved by a
  // fifth between runs of the bench on this shared machine.
  const referenceJs: number[] = [];
  const referencePg: number[] = [];
  const reference = async () => {
    referenceJs.push(referenceJsMs());
    referencePg.push(await referencePgMs());
  };
  const cold = await burst();
  const warm = [];
  for (let i = 0; i < WARM_BURSTS; i += 1) {
    await reference();
    warm.push(await burst());
  }
  await reference();
  warm.sort((a, b) => a.p95_first_row_ms - b.p95_first_row_ms);
  const median = warm[Math.floor(warm.length / 2)];
  if (!median) throw new Error('no warm burst');
  const figures = {
    ...median,
    bursts_p95_first_row_ms: warm.map((b) => b.p95_first_row_ms),
    // CPU per run of every process together, each warm burst's (in the order of their p95).
    bursts_cpu_ms_per_run: warm.map((b) =>
      tenths(
        b.api_cpu_ms_per_run + b.runner_cpu_ms_per_run + b.postgres_cpu_ms_per_run + b.clients_cpu_ms_per_run,
      ),
    ),
    cold_p50_first_row_ms: cold.p50_first_row_ms,
    cold_p95_first_row_ms: cold.p95_first_row_ms,
    cold_wall_ms: cold.wall_ms,
    reference_js_ms: Math.round(percentile(referenceJs, 50)),
    reference_pg_ms: Math.round(percentile(referencePg, 50)),
  };
  console.log(
    `${figures.runs} runs from ${USERS} users on ${RUNNERS} runners: first row p50 ${figures.p50_first_row_ms} ms, p95 ${figures.p95_first_row_ms} ms (one alone: ${figures.alone_first_row_ms} ms; the first burst after start: p95 ${figures.cold_p95_first_row_ms} ms), all done in ${figures.wall_ms} ms; the machine's reference: ${figures.reference_js_ms} ms of JavaScript, ${figures.reference_pg_ms} ms for 1,000 round trips`,
  );
  console.log(JSON.stringify(figures));
} finally {
  await product.stop();
  await warehouse.drop();
  await database.drop();
}
process.exit(0);
