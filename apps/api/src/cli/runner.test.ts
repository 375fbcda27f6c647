import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { newId } from '@quarry/db';
import { runs } from '@quarry/db/schema';
import { createTestDatabase, type WorkspaceFixture } from '@quarry/db/testing';
import { type Queue, RUN_CANCEL_CHANNEL, startQueue } from '@quarry/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let h: ApiHarness;
let queue: Queue;

/** The CLI as an operator runs it, in a process of its own. */
const cli = (args: string[], databaseUrl = h.database.url) =>
  new Promise<{ stdout: string; stderr: string; status: number | null }>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), ...args],
      {
        env: { ...process.env, DATABASE_URL: databaseUrl },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ stdout, stderr, status }));
  });

async function runOf(w: WorkspaceFixture, values: Partial<typeof runs.$inferInsert> = {}) {
  const id = newId('run');
  await h.database.db.insert(runs).values({
    id,
    workspaceId: w.workspaceId,
    projectId: w.projectId,
    cellId: w.cellId,
    ownerId: w.users.editor.id,
    connectionId: w.connectionId,
    source: 'select 1',
    rowLimit: 10,
    ...values,
  });
  return id;
}

let priority = 100;
async function deadLetterOf(w: WorkspaceFixture, runId: string): Promise<string> {
  const sent = await queue.boss.send(
    'run.execute',
    { runId, workspaceId: w.workspaceId },
    { retryLimit: 0, priority: ++priority },
  );
  const [job] = await queue.boss.fetch('run.execute', { batchSize: 1 });
  if (!sent || job?.id !== sent) throw new Error('fetched another job');
  await queue.boss.fail('run.execute', sent, { message: 'runner crashed' });
  const [dead] = await queue.boss.findJobs('run.execute.dead', { data: { runId }, queued: true });
  if (!dead) throw new Error('no dead letter');
  return dead.id;
}

let aRunning: string;
let bQueued: string;
let aFailed: string;
let aDead: string;
let bDead: string;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  queue = await startQueue(h.database.url, { supervise: false });
  aRunning = await runOf(h.a, {
    status: 'running',
    createdAt: new Date(Date.now() - 125_000),
    startedAt: new Date(Date.now() - 120_000),
  });
  bQueued = await runOf(h.b);
  aFailed = await runOf(h.a, {
    status: 'failed',
    finishedAt: new Date(Date.now() - 60_000),
    error: { code: 'connector.unreachable', message: 'The warehouse did not answer', kind: 'system' },
  });
  aDead = await deadLetterOf(h.a, await runOf(h.a, { status: 'failed', finishedAt: new Date() }));
  bDead = await deadLetterOf(h.b, await runOf(h.b, { status: 'failed', finishedAt: new Date() }));
  await queue.send('run.execute', { runId: bQueued, workspaceId: h.b.workspaceId });
});
afterAll(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await h?.close();
});

describe('pnpm quarry runner (issue 11 item 9)', () => {
  it('status shows queue depth, every workspace’s active runs with age, owner and connection, failures and dead letters', async () => {
    const { stdout, status } = await cli(['runner', 'status']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/queue\s+queued\s+active\s+deferred\s+dead letters/);
    expect(stdout).toMatch(/run\.execute\s+1\s+0\s+0\s+2/);
    expect(stdout).toContain('Active runs (2)');
    const running = stdout.split('\n').find((l) => l.includes(aRunning)) ?? '';
    // Started 125 s before the test began; the CLI takes a few seconds to start.
    expect(running).toMatch(/running\s+2m \d\ds/);
    expect(running).toContain(h.a.users.editor.email);
    expect(running).toContain(h.a.connectionId);
    expect(running).toContain(h.a.workspaceId);
    expect(stdout).toContain(bQueued);
    const failed = stdout.split('\n').find((l) => l.includes(aFailed)) ?? '';
    expect(failed).toMatch(/system\s+connector\.unreachable\s+The warehouse did not answer/);
    expect(stdout).toContain('Dead letters (2)');
    expect(stdout).toContain(aDead);
    expect(stdout).toContain(bDead);
  });

  it('status --json answers the same for programs', async () => {
    const { stdout, status } = await cli(['runner', 'status', '--json']);
    expect(status).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed.queues.find((q: { queue: string }) => q.queue === 'run.execute')).toMatchObject({
      queued: 1,
      active: 0,
      deadLetters: 2,
    });
    expect(parsed.activeRuns.map((r: { runId: string }) => r.runId).sort()).toEqual(
      [aRunning, bQueued].sort(),
    );
    expect(parsed.recentFailures.find((f: { runId: string }) => f.runId === aFailed)).toMatchObject({
      runId: aFailed,
      code: 'connector.unreachable',
      kind: 'system',
    });
    expect(parsed.deadLetters.map((d: { id: string }) => d.id).sort()).toEqual([aDead, bDead].sort());
    expect(parsed.runners).toEqual(expect.any(Array));
  });

  it('cancel stops a run through the runners’ NOTIFY and audits it as an operator action', async () => {
    const notices: string[] = [];
    const listener = await h.database.sql.listen(RUN_CANCEL_CHANNEL, (payload) => notices.push(payload));
    try {
      const { stdout, status } = await cli(['runner', 'cancel', aRunning, '--json']);
      expect(status).toBe(0);
      expect(JSON.parse(stdout)).toEqual({
        runId: aRunning,
        workspaceId: h.a.workspaceId,
        status: 'cancelled',
        cancelled: true,
      });
      await expect.poll(() => notices).toContain(aRunning);
      const [entry] = await h.database.sql<
        { action: string; actorId: string | null; details: unknown }[]
      >`select action, actor_id as "actorId", details from audit_events where chain = ${h.a.workspaceId} and target_id = ${aRunning}`;
      expect(entry).toMatchObject({ action: 'run.cancel', actorId: null, details: { operator: 'cli' } });
      const again = await cli(['runner', 'cancel', aRunning]);
      expect(again.stdout).toContain('was already cancelled: nothing to cancel');
      expect(again.status).toBe(0);
    } finally {
      await listener.unlisten();
    }
  });

  it('cancel of an unknown run exits 1 and changes nothing', async () => {
    const { stdout, status } = await cli(['runner', 'cancel', 'run_nonexistent00000']);
    expect(stdout).toContain('No run run_nonexistent00000');
    expect(status).toBe(1);
  });

  it('retry hands a dead letter back to its queue; an unknown id exits 1', async () => {
    const { stdout, status } = await cli(['runner', 'retry', bDead]);
    expect(stdout).toContain(`Handed ${bDead} back from run.execute.dead to its queue`);
    expect(status).toBe(0);
    expect(await queue.boss.findJobs('run.execute.dead', { id: bDead, queued: true })).toEqual([]);
    const back = await queue.boss.findJobs('run.execute', { data: { runId: bQueued }, queued: true });
    expect(back.length).toBe(1);
    const unknown = await cli(['runner', 'retry', bDead]);
    expect(unknown.stdout).toContain('No dead letter');
    expect(unknown.status).toBe(1);
  });

  it('purge deletes every dead letter of a queue, named by the queue or its .dead queue', async () => {
    const { stdout, status } = await cli(['runner', 'purge', 'run.execute', '--json']);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ queue: 'run.execute.dead', count: 1 });
    expect(await queue.boss.findJobs('run.execute.dead', { queued: true })).toEqual([]);
    const [entry] = await h.database.sql<
      { actorId: string | null; details: unknown }[]
    >`select actor_id as "actorId", details from audit_events where chain = 'system' and action = 'operations.dead_letters_purge'`;
    expect(entry).toMatchObject({ actorId: null, details: { operator: 'cli', count: 1 } });
  });

  it('explains its usage for an unknown command or queue, and a database without Quarry', async () => {
    const unknown = await cli(['runner', 'restart']);
    expect(unknown.stderr).toContain('usage: quarry runner status [--json]');
    expect(unknown.status).toBe(2);
    const queueName = await cli(['runner', 'purge', 'nonsense']);
    expect(queueName.stderr).toContain('No queue nonsense');
    expect(queueName.status).toBe(2);
    const empty = await createTestDatabase({ migrate: false });
    try {
      const result = await cli(['runner', 'status'], empty.url);
      expect(result.stderr).toContain('no Quarry schema yet');
      expect(result.status).toBe(2);
    } finally {
      await empty.drop();
    }
  });
});
