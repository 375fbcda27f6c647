import { newId } from '@quarry/db';
import { runs } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../../testing';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

/** A queued run of a fixture member of A with its job sent as runs.start sends it. */
async function queuedRun(role: 'editor' | 'admin'): Promise<string> {
  const id = newId('run');
  const ownerId = h.a.users[role].id;
  await h.database.db.insert(runs).values({
    id,
    workspaceId: h.a.workspaceId,
    projectId: h.a.projectId,
    cellId: h.a.cellId,
    ownerId,
    connectionId: h.a.connectionId,
    source: 'select 1',
    rowLimit: 10,
  });
  const jobId = await h.deps.queue.send('run.execute', {
    runId: id,
    workspaceId: h.a.workspaceId,
    ownerId,
    connectionId: h.a.connectionId,
  });
  await h.database.db.update(runs).set({ jobId }).where(eq(runs.id, id));
  return id;
}

describe('a queued run’s place in the queue', () => {
  it('answers each queued run its position in the order the queue takes them (fair share first, then age)', async () => {
    const editorFirst = await queuedRun('editor');
    const editorSecond = await queuedRun('editor');
    const adminFirst = await queuedRun('admin');
    const editor = await h.as(h.a, 'editor');
    const admin = await h.as(h.a, 'admin');

    expect((await editor.runs.get({ runId: editorFirst })).queuePosition).toBe(1);
    // The Admin's first run goes before the Editor's second: a user's n-th run waits behind
    // everyone's first n.
    expect((await admin.runs.get({ runId: adminFirst })).queuePosition).toBe(2);
    expect((await editor.runs.get({ runId: editorSecond })).queuePosition).toBe(3);
  });

  it('answers null for a run that is not queued, and for a queued run whose job is not waiting', async () => {
    const id = await queuedRun('editor');
    await h.database.db.update(runs).set({ status: 'running', startedAt: new Date() }).where(eq(runs.id, id));
    const editor = await h.as(h.a, 'editor');
    expect((await editor.runs.get({ runId: id })).queuePosition).toBeNull();

    const orphan = await queuedRun('editor');
    await h.database.db.update(runs).set({ jobId: 'not-a-job-id' }).where(eq(runs.id, orphan));
    const answered = await editor.runs.get({ runId: orphan });
    expect(answered).toMatchObject({ status: 'queued', queuePosition: null });
  });

  it('never answers another workspace’s run, queued or not', async () => {
    const id = await queuedRun('editor');
    const outsider = await h.as(h.b, 'admin');
    await expect(outsider.runs.get({ runId: id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
