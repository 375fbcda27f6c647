import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runs } from '@quarry/db/schema';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { type Queue, startQueue } from '@quarry/queue';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { insertRun } from './testing/insert-run';

/**
 * Real runner processes, started as `npm start` starts one (main.ts under node --no-node-snapshot),
 * sharing one queue on a test database: what happens to a run when the process holding it is
 * killed, or asked to stop.
 */

const RUNNER_DIR = fileURLToPath(new URL('..', import.meta.url));

let database: TestDatabase;
let warehouse: TestWarehouse;
let fixture: WorkspaceFixture;
let queue: Queue;
let admin: postgres.Sql;
const masterKey = generateMasterKey();
const children: ChildProcess[] = [];

type Runner = { child: ChildProcess; lines: Record<string, unknown>[]; exited: Promise<number | null> };

beforeAll(async () => {
  database = await createTestDatabase();
  warehouse = await createTestWarehouse({ orders: 10 });
  admin = postgres(warehouse.adminUrl, { max: 2, onnotice: () => {} });
  const vault = loadVaultFromEnv({ QUARRY_MASTER_KEY: masterKey });
  if (!vault.ok) throw new Error(vault.error.message);
  fixture = await createWorkspaceFixture(database.db, { vault: vault.value, warehouse: warehouse.reader });
  queue = await startQueue(database.url, { supervise: false });
});

/** A test's runners never outlive it: one left running would take the next test's runs. */
afterEach(async () => {
  const alive = children.filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of alive) child.kill('SIGKILL');
  await Promise.all(alive.map((child) => new Promise((resolve) => child.once('exit', resolve))));
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
  await database?.drop();
});

/** Starts a runner process and resolves once it logged that it is ready. */
async function startRunner(env: Record<string, string> = {}): Promise<Runner> {
  const child = spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', 'src/main.ts'], {
    cwd: RUNNER_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS: '--no-node-snapshot',
      DATABASE_URL: database.url,
      QUARRY_MASTER_KEY: masterKey,
      QUARRY_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,::1,localhost',
      RUNNER_HEALTH_PORT: '0',
      QUARRY_RUNNER_CONCURRENCY: '2',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        // Not a log line.
      }
    }
  });
  child.stderr?.on('data', () => {});
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await waitFor(async () => lines.some((line) => line.msg === 'query runner ready'), 60_000);
  if (!ready) throw new Error('the runner process did not get ready');
  return { child, lines, exited };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function startRun(source: string): Promise<string> {
  const id = await insertRun(database.db, fixture, { source, rowLimit: 10_000 });
  const jobId = await queue.send('run.execute', {
    runId: id,
    workspaceId: fixture.workspaceId,
    ownerId: fixture.users.editor.id,
    connectionId: fixture.connectionId,
  });
  await database.db.update(runs).set({ jobId }).where(eq(runs.id, id));
  return id;
}

const runRow = async (id: string) => (await database.db.select().from(runs).where(eq(runs.id, id)))[0];

/** The warehouse backends of a run's sessions that are running a statement. */
async function backendsOf(runId: string): Promise<number[]> {
  const rows = await admin<{ pid: number }[]>`
    select pid from pg_stat_activity where application_name = ${`quarry-run:${runId}`} and state = 'active'`;
  return rows.map((row) => row.pid);
}

/** Every warehouse session of a run, in any state. */
async function sessionsOf(runId: string): Promise<number[]> {
  const rows = await admin<{ pid: number }[]>`
    select pid from pg_stat_activity where application_name = ${`quarry-run:${runId}`}`;
  return rows.map((row) => row.pid);
}

const holder = (runners: Runner[], runId: string) =>
  runners.find((r) => r.lines.some((line) => line.msg === 'run started' && line.runId === runId));

// Each test starts real runner processes (seconds each on a loaded machine) and then waits on
// the queue's own clock: a minute to notice a dead runner is the requirement under test, so the
// test as a whole needs more than the file's default minute.
describe('two runner processes sharing one queue', { timeout: 300_000 }, () => {
  it('notices a runner killed mid-run within a minute, cancels its warehouse query, and fails the run with the reason when rows had gone out', async () => {
    const runners = [await startRunner(), await startRunner()];
    // Five thousand rows go out (more than the server's or the driver's buffers hold back, fewer
    // than the run's row limit); then the query sleeps on the next one.
    const id = await startRun(
      'select g, case when g = 5001 then pg_sleep(600) end as slept from generate_series(1, 6000) g',
    );
    expect(
      await waitFor(async () => {
        const row = await runRow(id);
        return row?.status === 'running' && (row.rowCount ?? 0) > 0 && row.sessionKey !== null;
      }, 30_000),
    ).toBe(true);
    // The run's session on the warehouse, whatever it is doing (sleeping, or waiting for the runner
    // to read while nobody reads the result): the dead runner's session must be gone at the end.
    expect(await waitFor(async () => (await sessionsOf(id)).length === 1, 10_000)).toBe(true);
    const [orphan] = await sessionsOf(id);
    expect(orphan).toBeGreaterThan(0);
    const victim = holder(runners, id);
    if (!victim) throw new Error('no runner holds the run');
    const survivor = runners.find((r) => r !== victim);

    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await victim.exited;

    expect(await waitFor(async () => (await runRow(id))?.status !== 'running', 60_000)).toBe(true);
    const noticedMs = Date.now() - killedAt;
    expect(noticedMs).toBeLessThan(60_000);
    expect(await runRow(id)).toMatchObject({
      status: 'failed',
      sessionKey: null,
      error: { code: 'run.interrupted', kind: 'system', message: expect.stringMatching(/stopped/) },
    });
    // The dead runner's query is cancelled on the warehouse, by the survivor, through the key: its
    // session ends (no statement, idle or active, is left of it).
    expect(await waitFor(async () => (await sessionsOf(id)).length === 0, 10_000)).toBe(true);
    expect(
      survivor?.lines.some(
        (line) => line.msg === 'orphaned query cancelled on the warehouse' && line.runId === id,
      ),
    ).toBe(true);

    survivor?.child.kill('SIGTERM');
    expect(await survivor?.exited).toBe(0);
  });

  it('runs again, on the other runner, a run whose runner was killed before any row went out, and cancels the orphan', async () => {
    const runners = [await startRunner(), await startRunner({ QUARRY_RUNNER_DRAIN_SECONDS: '1' })];
    const id = await startRun('select pg_sleep(600)');
    // The orphan's pid and the first start are the ones the condition saw: read again after it, the
    // session can be between statements (not active), and an orphan read as none would let the
    // check below pass on the dead runner's own query.
    let orphan: number | undefined;
    let firstStart: Date | null | undefined;
    expect(
      await waitFor(async () => {
        const row = await runRow(id);
        if (row?.status !== 'running' || row.sessionKey === null) return false;
        const backends = await backendsOf(id);
        [orphan] = backends;
        firstStart = row.startedAt;
        return backends.length === 1;
      }, 30_000),
    ).toBe(true);
    if (orphan === undefined || !firstStart) throw new Error('no orphan to watch');
    const victim = holder(runners, id);
    if (!victim) throw new Error('no runner holds the run');
    const survivor = runners.find((r) => r !== victim);
    if (!survivor) throw new Error('no survivor');

    victim.child.kill('SIGKILL');
    await victim.exited;

    // Retried on the survivor: a new session runs the query, the dead runner's is gone.
    expect(
      await waitFor(async () => {
        const backends = await backendsOf(id);
        return backends.length === 1 && backends[0] !== orphan;
      }, 60_000),
    ).toBe(true);
    const retried = await runRow(id);
    expect(retried?.status).toBe('running');
    expect(retried?.startedAt?.getTime()).not.toBe(firstStart?.getTime());
    expect(survivor.lines.some((line) => line.msg === 'run interrupted before any row: taken again')).toBe(
      true,
    );

    // SIGTERM: the survivor takes nothing new, hands the run back past its 1 s drain deadline
    // (queued again: no row went out), cancels its query, and exits 0.
    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
    expect(await runRow(id)).toMatchObject({ status: 'queued', sessionKey: null });
    expect(await waitFor(async () => (await backendsOf(id)).length === 0, 5000)).toBe(true);
    expect(
      survivor.lines.some((line) => line.msg === 'run handed back at shutdown' && line.runId === id),
    ).toBe(true);
  });

  it('on SIGTERM finishes a run that ends within the drain deadline, then exits 0', async () => {
    const runner = await startRunner({ QUARRY_RUNNER_DRAIN_SECONDS: '30' });
    const id = await startRun('select 7 as seven from (select pg_sleep(2)) s');
    expect(await waitFor(async () => (await backendsOf(id)).length === 1, 30_000)).toBe(true);
    runner.child.kill('SIGTERM');
    expect(await runner.exited).toBe(0);
    expect(await runRow(id)).toMatchObject({ status: 'succeeded', rowCount: 1 });
  });
});
