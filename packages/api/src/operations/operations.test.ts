import { newId } from '@quarry/db';
import { auditEvents, runs } from '@quarry/db/schema';
import type { WorkspaceFixture } from '@quarry/db/testing';
import { type Queue, RUN_CANCEL_CHANNEL, startQueue } from '@quarry/queue';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing';

let h: ApiHarness;
let queue: Queue;

/** A run row as runs.start leaves it (status `queued`), or as the runner leaves it. */
async function runOf(w: WorkspaceFixture, values: Partial<typeof runs.$inferInsert> = {}): Promise<string> {
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

let deadLetters = 0;

/** A run.execute job that failed with no retry left: pg-boss moves it to run.execute.dead. */
async function deadLetterOf(w: WorkspaceFixture, runId: string): Promise<string> {
  const sent = await queue.boss.send(
    'run.execute',
    { runId, workspaceId: w.workspaceId },
    // Taken before every job waiting in the queue (a redriven dead letter keeps its priority).
    { retryLimit: 0, priority: 100 + ++deadLetters },
  );
  if (!sent) throw new Error('not sent');
  const [job] = await queue.boss.fetch('run.execute', { batchSize: 1 });
  if (job?.id !== sent) throw new Error('fetched another job');
  await queue.boss.fail('run.execute', sent, { message: 'runner crashed' });
  const [dead] = await queue.boss.findJobs('run.execute.dead', { data: { runId }, queued: true });
  if (!dead) throw new Error('no dead letter');
  return dead.id;
}

let aQueued: string;
let aRunning: string;
let aFailed: string;
let bQueued: string;
let bFailed: string;
let aDead: string;
let bDead: string;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  queue = await startQueue(h.database.url, { supervise: false });
  h.deps.queueAdmin = queue.boss;
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
  aQueued = await runOf(h.a, { createdAt: minutesAgo(3) });
  aRunning = await runOf(h.a, { status: 'running', createdAt: minutesAgo(2), startedAt: minutesAgo(1) });
  aFailed = await runOf(h.a, {
    status: 'failed',
    startedAt: minutesAgo(5),
    finishedAt: minutesAgo(4),
    error: { code: 'connector.unreachable', message: 'The warehouse did not answer', kind: 'system' },
  });
  bQueued = await runOf(h.b);
  bFailed = await runOf(h.b, {
    status: 'failed',
    finishedAt: minutesAgo(1),
    error: { code: 'sql.syntax', message: 'syntax error at or near "B-secret"', kind: 'user' },
  });
  aDead = await deadLetterOf(h.a, await runOf(h.a, { status: 'failed', finishedAt: minutesAgo(1) }));
  bDead = await deadLetterOf(h.b, await runOf(h.b, { status: 'failed', finishedAt: minutesAgo(1) }));
  // Two jobs waiting in run.execute, one per workspace: the depth is their total.
  await queue.send('run.execute', { runId: aQueued, workspaceId: h.a.workspaceId });
  await queue.send('run.execute', { runId: bQueued, workspaceId: h.b.workspaceId });
});
afterAll(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await h?.close();
});

describe('operations procedures (issue 11 item 9)', () => {
  it.each(['manager', 'editor', 'explorer', 'viewer', 'guest'] as const)(
    'refuses a %s every operations procedure with the engine’s reason',
    async (role) => {
      const caller = await h.as(h.a, role);
      const calls = [
        () => caller.operations.status(),
        () => caller.operations.cancelRun({ runId: aQueued }),
        () => caller.operations.retryDeadLetter({ queue: 'run.execute.dead', jobId: aDead }),
        () => caller.operations.purgeDeadLetters({ queue: 'run.execute.dead' }),
      ];
      for (const call of calls) {
        await expect(call()).rejects.toMatchObject({
          code: 'FORBIDDEN',
          quarry: { code: 'access.role_not_allowed', message: 'Only Admins can do this' },
        });
      }
      const [run] = await h.database.db
        .select({ status: runs.status })
        .from(runs)
        .where(eq(runs.id, aQueued));
      expect(run?.status).toBe('queued');
    },
  );

  it('shows an Admin the queue totals and only their own workspace’s runs, failures and dead letters', async () => {
    const admin = await h.as(h.a, 'admin');
    const status = await admin.operations.status();
    const execute = status.queues.find((q) => q.queue === 'run.execute');
    expect(execute).toMatchObject({
      queued: 2,
      active: 0,
      deadLetterQueue: 'run.execute.dead',
      deadLetters: 2,
    });
    expect(status.queues.map((q) => q.queue)).toEqual([
      'run.execute',
      'run.chunks.sweep',
      'connection.test',
      'schema.refresh',
    ]);
    expect(status.activeRuns.map((r) => [r.runId, r.status])).toEqual([
      [aQueued, 'queued'],
      [aRunning, 'running'],
    ]);
    expect(status.activeRuns[0]).toMatchObject({
      ownerId: h.a.users.editor.id,
      ownerEmail: h.a.users.editor.email,
      connectionId: h.a.connectionId,
    });
    expect(status.activeRuns[0]?.connectionName).toEqual(expect.any(String));
    expect(status.recentFailures.map((f) => f.runId)).toContain(aFailed);
    expect(status.recentFailures.find((f) => f.runId === aFailed)).toMatchObject({
      code: 'connector.unreachable',
      message: 'The warehouse did not answer',
      kind: 'system',
    });
    expect(status.deadLetters.map((d) => [d.id, d.queue, d.sourceQueue, d.runStatus])).toEqual([
      [aDead, 'run.execute.dead', 'run.execute', 'failed'],
    ]);
    // Nothing of workspace B: no id, no run, no error text, no dead letter.
    const text = JSON.stringify(status);
    for (const foreign of [h.b.workspaceId, bQueued, bFailed, bDead, 'B-secret', h.b.users.editor.email]) {
      expect(text).not.toContain(foreign);
    }
  });

  it('answers NOT_FOUND for another workspace’s run and leaves it running', async () => {
    const admin = await h.as(h.a, 'admin');
    await expect(admin.operations.cancelRun({ runId: bQueued })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      quarry: { code: 'not_found.run' },
    });
    const [run] = await h.database.db.select({ status: runs.status }).from(runs).where(eq(runs.id, bQueued));
    expect(run?.status).toBe('queued');
  });

  it('cancels a run of the Admin’s workspace through the runners’ NOTIFY and audits it as an operator action', async () => {
    const notices: string[] = [];
    const listener = await h.database.sql.listen(RUN_CANCEL_CHANNEL, (payload) => notices.push(payload));
    try {
      const admin = await h.as(h.a, 'admin');
      const answer = await admin.operations.cancelRun({ runId: aRunning });
      expect(answer).toEqual({ runId: aRunning, status: 'cancelled', cancelled: true });
      const [run] = await h.database.db
        .select({ status: runs.status, error: runs.error })
        .from(runs)
        .where(eq(runs.id, aRunning));
      expect(run).toMatchObject({ status: 'cancelled', error: { code: 'run.cancelled' } });
      await expect.poll(() => notices).toContain(aRunning);
      const [entry] = await h.database.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.chain, h.a.workspaceId), eq(auditEvents.targetId, aRunning)));
      expect(entry).toMatchObject({
        action: 'run.cancel',
        actorId: h.a.users.admin.id,
        details: { operator: 'admin' },
      });
      // Again: already finished, answered as it is, nothing more audited.
      expect(await admin.operations.cancelRun({ runId: aRunning })).toEqual({
        runId: aRunning,
        status: 'cancelled',
        cancelled: false,
      });
    } finally {
      await listener.unlisten();
    }
  });

  it('refuses to retry or purge another workspace’s dead letter, and a queue that is not a dead-letter queue', async () => {
    const admin = await h.as(h.a, 'admin');
    await expect(
      admin.operations.retryDeadLetter({ queue: 'run.execute.dead', jobId: bDead }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', quarry: { code: 'not_found.dead_letter' } });
    await expect(
      admin.operations.retryDeadLetter({ queue: 'run.execute', jobId: aDead }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin.operations.purgeDeadLetters({ queue: 'nonsense.dead' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      quarry: { code: 'not_found.dead_letter' },
    });
    const still = await queue.boss.findJobs('run.execute.dead', { id: bDead, queued: true });
    expect(still.map((j) => j.id)).toEqual([bDead]);
  });

  it('hands the Admin’s dead letter back to its queue', async () => {
    const admin = await h.as(h.a, 'admin');
    expect(await admin.operations.retryDeadLetter({ queue: 'run.execute.dead', jobId: aDead })).toEqual({
      count: 1,
    });
    expect(await queue.boss.findJobs('run.execute.dead', { id: aDead, queued: true })).toEqual([]);
    const back = await queue.boss.findJobs<{ workspaceId: string }>('run.execute', {
      data: { workspaceId: h.a.workspaceId },
      queued: true,
    });
    expect(back.length).toBe(2);
    const [entry] = await h.database.db
      .select()
      .from(auditEvents)
      .where(
        and(eq(auditEvents.chain, h.a.workspaceId), eq(auditEvents.action, 'operations.dead_letter_retry')),
      );
    expect(entry).toMatchObject({ actorId: h.a.users.admin.id, targetId: aDead });
  });

  it('purges only the Admin’s workspace’s dead letters', async () => {
    const again = await deadLetterOf(h.a, await runOf(h.a, { status: 'failed', finishedAt: new Date() }));
    const admin = await h.as(h.a, 'admin');
    expect(await admin.operations.purgeDeadLetters({ queue: 'run.execute.dead' })).toEqual({ count: 1 });
    const left = await queue.boss.findJobs('run.execute.dead', { queued: true });
    expect(left.map((j) => j.id)).toEqual([bDead]);
    expect(left.map((j) => j.id)).not.toContain(again);
  });
});
