import { newId } from '@quarry/db';
import { auditEvents, runChunks, runs } from '@quarry/db/schema';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  holdAdvisoryGate,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
  waitingAt,
} from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { type Queue, startQueue } from '@quarry/queue';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failAbandonedRuns } from './abandoned-runs';
import { executeRun, failAbandonedRun, handBack, type RunnerDeps, RunRetryError } from './execute-run';
import { sessionKeyContext } from './orphan-cancel';

let database: TestDatabase;
let warehouse: TestWarehouse;
let fixture: WorkspaceFixture;
let vault: Vault;
let deps: RunnerDeps;
let admin: postgres.Sql;

beforeAll(async () => {
  database = await createTestDatabase();
  warehouse = await createTestWarehouse({ orders: 100 });
  admin = postgres(warehouse.adminUrl, { max: 2, onnotice: () => {} });
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
  fixture = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader });
  deps = {
    db: database.db,
    sql: database.sql,
    vault,
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

async function queueRun(source: string, owner: keyof WorkspaceFixture['users'] = 'editor', rowLimit = 1000) {
  const id = newId('run');
  await database.db.insert(runs).values({
    id,
    workspaceId: fixture.workspaceId,
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    ownerId: fixture.users[owner].id,
    connectionId: fixture.connectionId,
    source,
    rowLimit,
  });
  return id;
}

const job = (runId: string) => ({ runId, workspaceId: fixture.workspaceId });
const signal = () => new AbortController().signal;
const runRow = async (id: string) => (await database.db.select().from(runs).where(eq(runs.id, id)))[0];
const chunksOf = (id: string) => database.db.select().from(runChunks).where(eq(runChunks.runId, id));
const finishesOf = (id: string) =>
  database.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, 'run.finish'), eq(auditEvents.targetId, id)));

/** A serialization failure (40001): the database's doing, transient. */
const SERIALIZATION_FAILURE = `do $$ begin raise exception 'could not serialize access' using errcode = '40001'; end $$`;

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe('transient failures', () => {
  it('puts a run that failed transiently before any row back to queued and asks the queue to retry it', async () => {
    const id = await queueRun(SERIALIZATION_FAILURE);
    const attempt = executeRun(deps, job(id), signal(), { retriesLeft: 2 });
    await expect(attempt).rejects.toBeInstanceOf(RunRetryError);
    expect(await runRow(id)).toMatchObject({
      status: 'queued',
      startedAt: null,
      error: null,
      sessionKey: null,
    });
    expect(await chunksOf(id)).toHaveLength(0);
    expect(await finishesOf(id)).toHaveLength(0);
  });

  it('fails the run with the transient error once the queue has no retry left', async () => {
    const id = await queueRun(SERIALIZATION_FAILURE);
    await executeRun(deps, job(id), signal(), { retriesLeft: 0 });
    expect(await runRow(id)).toMatchObject({
      status: 'failed',
      error: { code: 'sql.error', kind: 'system', details: { sqlstate: '40001' } },
    });
  });

  it("never retries a user's SQL error", async () => {
    const id = await queueRun('select * from no_such_table');
    await executeRun(deps, job(id), signal(), { retriesLeft: 3 });
    expect(await runRow(id)).toMatchObject({
      status: 'failed',
      error: { code: 'sql.invalid_query', kind: 'user' },
    });
  });

  it('never retries a run after its first rows went out', async () => {
    // A serialization failure raised by the 1,500th row, after the first chunk of 1,000 went out.
    await admin.unsafe(`create or replace function public.fail_at_1500(g int) returns int language plpgsql as $$
      begin
        if g = 1500 then raise exception 'could not serialize access' using errcode = '40001'; end if;
        return g;
      end $$`);
    // A row limit past the failing row: a reader that saw row 1,001 before the failure (COPY does)
    // has a whole truncated result, not a failure.
    const id = await queueRun(
      'select public.fail_at_1500(g) as g from generate_series(1, 2000) g',
      'editor',
      10_000,
    );
    await executeRun(deps, job(id), signal(), { retriesLeft: 3 });
    const row = await runRow(id);
    expect(row).toMatchObject({
      status: 'failed',
      error: { code: 'sql.error', details: { sqlstate: '40001' } },
    });
    expect(row?.rowCount).toBe(1000);
    expect((await chunksOf(id)).map((c) => c.rowCount)).toEqual([0, 1000]);
  });
});

describe('an orphaned run (its runner died mid-run)', () => {
  it("cancels the earlier attempt's query on the warehouse through its sealed session key, then runs it again", async () => {
    // Each attempt waits on an advisory lock the test holds, so the first can end only by being
    // cancelled: no clock decides it. The retry runs once the test lets go of the lock.
    const gate = await holdAdvisoryGate(warehouse.adminUrl);
    const id = await queueRun(`select 42 as answer from (select ${gate.sql}) s`);
    const waitersOf = (runId: string) => waitingAt(admin, gate, `quarry-run:${runId}`);
    const first = executeRun(deps, job(id), signal());
    expect(await waitFor(async () => (await waitersOf(id)) === 1, 30_000)).toBe(true);
    const held = await runRow(id);
    expect(held?.status).toBe('running');
    if (!held?.sessionKey) throw new Error('the running run has no session key');
    // Sealed for this run only: the key is no plain pid and opens under no other run's context.
    const [backend] = await admin<{ pid: number }[]>`
      select pid from pg_stat_activity where application_name = ${`quarry-run:${id}`}`;
    expect(held.sessionKey.includes(Buffer.from(String(backend?.pid)))).toBe(false);
    expect(vault.openText(held.sessionKey, sessionKeyContext(fixture.workspaceId, 'run_other')).ok).toBe(
      false,
    );

    // The queue's retry arrives while the run is still `running` (as after a lost heartbeat).
    const retry = executeRun(deps, job(id), signal());
    // The first attempt's query was cancelled on the server: with the lock still held, nothing
    // else could end it.
    await first;
    await gate.open();
    await retry;
    const row = await runRow(id);
    expect(row).toMatchObject({ status: 'succeeded', rowCount: 1, sessionKey: null });
    // One finish only: the first attempt's own end (cancelled) found the run taken again.
    const finishes = await finishesOf(id);
    expect(finishes.map((f) => f.outcome)).toEqual(['success']);
    expect(await waitersOf(id)).toBe(0);
  }, 90_000);
});

describe('handing back and giving up', () => {
  it('hands a held run back as queued when no row went out, and as failed when rows did', async () => {
    const fresh = await queueRun('select 1');
    await database.db
      .update(runs)
      .set({ status: 'running', startedAt: new Date() })
      .where(eq(runs.id, fresh));
    expect(await handBack(deps, job(fresh))).toBe('queued');
    expect(await runRow(fresh)).toMatchObject({ status: 'queued', startedAt: null });

    const streamed = await queueRun('select 1');
    await database.db
      .update(runs)
      .set({ status: 'running', startedAt: new Date(), rowCount: 1000 })
      .where(eq(runs.id, streamed));
    expect(await handBack(deps, job(streamed))).toBe('failed');
    expect(await runRow(streamed)).toMatchObject({ status: 'failed', error: { code: 'run.interrupted' } });
  });

  it('fails a dead-lettered run, queued or running, with a clear reason, and leaves an ended run alone', async () => {
    const queued = await queueRun('select 1');
    const running = await queueRun('select 1');
    await database.db
      .update(runs)
      .set({ status: 'running', startedAt: new Date() })
      .where(eq(runs.id, running));
    const done = await queueRun('select 1');
    await executeRun(deps, job(done), signal());

    expect(await failAbandonedRun(deps, job(queued))).toBe(true);
    expect(await failAbandonedRun(deps, job(running))).toBe(true);
    expect(await failAbandonedRun(deps, job(done))).toBe(false);
    for (const id of [queued, running]) {
      expect(await runRow(id)).toMatchObject({
        status: 'failed',
        error: { code: 'run.interrupted', kind: 'system', message: expect.stringMatching(/every retry/) },
      });
      expect((await finishesOf(id)).map((f) => f.outcome)).toEqual(['failure']);
    }
    expect((await runRow(done))?.status).toBe('succeeded');
    // Scoped by workspace: a job naming another workspace touches nothing.
    const other = await queueRun('select 1');
    expect(await failAbandonedRun(deps, { runId: other, workspaceId: 'wsp_other' })).toBe(false);
    expect((await runRow(other))?.status).toBe('queued');
  });
});

describe('a job that exhausted its retries', () => {
  let queue: Queue;
  beforeAll(async () => {
    queue = await startQueue(database.url, { supervise: false });
  });
  afterAll(async () => {
    await queue?.stop({ graceful: false, timeoutMs: 1000 });
  });

  it('leaves its run failed with the reason, not stuck queued or running (JOB-5)', async () => {
    const running = await queueRun('select 1');
    await database.db
      .update(runs)
      .set({ status: 'running', startedAt: new Date() })
      .where(eq(runs.id, running));
    const fresh = await queueRun('select 1');
    const sent: Record<string, string> = {};
    for (const id of [running, fresh]) {
      // Its last retry failed (as when every runner that held it died): pg-boss marks it failed and
      // copies it to the dead-letter queue, which operators keep.
      const jobId = await queue.boss.send('run.execute', job(id), { retryLimit: 0 });
      if (!jobId) throw new Error('not sent');
      sent[id] = jobId;
      await database.db.update(runs).set({ jobId }).where(eq(runs.id, id));
    }
    const [failedJob] = await queue.boss.fetch('run.execute', { batchSize: 1 });
    if (!failedJob) throw new Error('nothing fetched');
    await queue.boss.fail('run.execute', failedJob.id);
    await database.sql`update pgboss.job set completed_on = now() - interval '1 minute' where id = ${failedJob.id}`;
    const deadRun = failedJob.id === sent[running] ? running : fresh;
    const liveRun = deadRun === running ? fresh : running;

    expect(await failAbandonedRuns(deps)).toBe(1);
    expect(await runRow(deadRun)).toMatchObject({ status: 'failed', error: { code: 'run.interrupted' } });
    // The other's job is still waiting: its run is left alone.
    expect((await runRow(liveRun))?.status).toMatch(/queued|running/);
    expect(await failAbandonedRuns(deps)).toBe(0);
    // The dead letter stays for operators.
    const dead = await queue.boss.findJobs('run.execute.dead', {});
    expect(dead.some((d) => (d.data as { runId?: string }).runId === deadRun)).toBe(true);
  });
});
