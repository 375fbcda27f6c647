import { newId } from '@quarry/db';
import { projectConnections } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { chunksLeft, finishedRun, readAll, revoke, SECRET_COLUMN, SECRET_VALUE } from './results-kit';

// The results gate at read time (issue 11 item 5), attacked through runs.events and runs.get: a
// run's rows, column names and row count reach only its owner, and only while the owner still
// holds Can view results on every connection the result derives from.
let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

describe('reading a run that is not yours', () => {
  it("another member, even an Admin, and B's Admin get NOT_FOUND from events and get; the chunks stay", async () => {
    const { runId } = await finishedRun(h);
    for (const caller of [await h.as(h.a, 'admin'), await h.as(h.a, 'manager'), await h.as(h.b, 'admin')]) {
      expect((await refusal(readAll(caller, runId))).code).toBe('NOT_FOUND');
      expect((await refusal(caller.runs.get({ runId }))).code).toBe('NOT_FOUND');
    }
    expect(await chunksLeft(h, runId)).toBe(2);
    // The owner reads it whole: the refusals were about the reader.
    const events = await readAll(await h.as(h.a, 'editor'), runId);
    expect(JSON.stringify(events)).toContain(SECRET_VALUE);
    expect(events.at(-1)).toMatchObject({ type: 'done', rowCount: 1 });
  });

  it('path-like and foreign run ids are NOT_FOUND', async () => {
    const editor = await h.as(h.a, 'editor');
    for (const runId of ['../runs', "run_x' or '1'='1", `${newId('run')}%00`, '*']) {
      const refused = await refusal(editor.runs.get({ runId }));
      expect(['NOT_FOUND', 'BAD_REQUEST'], runId).toContain(refused.code);
    }
  });
});

describe('an owner who lost Can view results', () => {
  it('gets a typed refusal from events naming the connection, with no column name, row or count', async () => {
    const { runId, connectionId } = await finishedRun(h);
    await revoke(h, connectionId);
    const events = await readAll(await h.as(h.a, 'editor'), runId);
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('error');
    const text = JSON.stringify(events);
    expect(text).not.toContain(SECRET_COLUMN);
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toMatch(/"rowCount"/);
    // Nothing was delivered: the chunks are still there for nobody, until they expire.
    expect(await chunksLeft(h, runId)).toBe(2);
  });

  it('of a JS run, through the SQL cell it read, gets the same refusal', async () => {
    const { runId, connectionId } = await finishedRun(h, { jsTarget: true, connectionId: null });
    await revoke(h, connectionId);
    const events = await readAll(await h.as(h.a, 'editor'), runId);
    expect(events.map((e) => e.type)).toEqual(['error']);
    expect(JSON.stringify(events)).not.toContain(SECRET_VALUE);
  });

  it('is refused after the project stopped importing the connection the run read', async () => {
    const { runId, connectionId } = await finishedRun(h, { jsTarget: true, connectionId: null });
    await revoke(h, connectionId);
    await h.database.db.delete(projectConnections).where(eq(projectConnections.connectionId, connectionId));
    const events = await readAll(await h.as(h.a, 'editor'), runId);
    expect(events.map((e) => e.type)).toEqual(['error']);
    expect(JSON.stringify(events)).not.toContain(SECRET_VALUE);
  });
});
