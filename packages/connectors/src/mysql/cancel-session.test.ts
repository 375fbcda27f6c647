import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../types';
import { mysqlConnectors } from './index';
import { createMysqlTestDatabase, loopbackContext, type MysqlTestDatabase, mysqlTestUrl } from './testing';

const url = mysqlTestUrl(process.env);
let db: MysqlTestDatabase;
const [mysql] = mysqlConnectors;
if (!mysql) throw new Error('no MySQL connector');
const connector = mysql;

beforeAll(async () => {
  if (!url) return;
  db = await createMysqlTestDatabase(url);
});

afterAll(async () => {
  await db?.drop();
});

async function sleepingThreads(tag: string): Promise<number[]> {
  const [rows] = await db.admin.query(
    'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND COMMAND = ? AND ID <> CONNECTION_ID()',
    [`%quarry:${tag}%SLEEP%`, 'Query'],
  );
  return (rows as { id: number }[]).map((row) => Number(row.id));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** Starts `SELECT SLEEP(60)` tagged `tag`; answers the session key it was given and the events. */
function startSleep(tag: string) {
  const keys: string[] = [];
  const events: StreamEvent[] = [];
  const done = (async () => {
    for await (const event of connector.stream(
      db.config,
      { sql: 'SELECT SLEEP(60)', params: [], rowLimit: 10, tag, onSession: async (k) => void keys.push(k) },
      loopbackContext({ timeoutMs: 90_000 }),
    ))
      events.push(event);
  })();
  return { keys, events, done };
}

describe.skipIf(!url)('MySQL session cancel keys (JOB-6)', () => {
  it("hands over the session's thread id before the statement, and kills the query through it from a second connection", async () => {
    const tag = `run_${randomBytes(4).toString('hex')}`;
    const run = startSleep(tag);
    expect(await waitFor(async () => (await sleepingThreads(tag)).length === 1, 10_000)).toBe(true);
    const [thread] = await sleepingThreads(tag);
    const key = JSON.parse(run.keys[0] ?? '') as { threadId: number; tag: string };
    expect(key).toEqual({ threadId: thread, tag });

    expect(await connector.cancelSession(db.config, run.keys[0] ?? '', loopbackContext())).toEqual({
      ok: true,
      value: true,
    });
    await run.done;
    expect(run.events.at(-1)).toMatchObject({ type: 'error', error: { code: 'run.cancelled' } });
    expect(await waitFor(async () => (await sleepingThreads(tag)).length === 0, 5000)).toBe(true);
  });

  it("leaves a thread alone whose statement no longer carries the key's tag (a reused thread id)", async () => {
    const tag = `run_${randomBytes(4).toString('hex')}`;
    const run = startSleep(tag);
    expect(await waitFor(async () => (await sleepingThreads(tag)).length === 1, 10_000)).toBe(true);
    const key = JSON.parse(run.keys[0] ?? '') as { threadId: number; tag: string };
    const stale = JSON.stringify({ threadId: key.threadId, tag: `${tag}_earlier_run` });

    expect(await connector.cancelSession(db.config, stale, loopbackContext())).toEqual({
      ok: true,
      value: false,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await sleepingThreads(tag)).toEqual([key.threadId]);

    expect(await connector.cancelSession(db.config, run.keys[0] ?? '', loopbackContext())).toMatchObject({
      ok: true,
      value: true,
    });
    await run.done;
  });

  it('refuses a key that is not a MySQL thread key with a typed error', async () => {
    for (const key of ['', 'nope', '{"threadId":0,"tag":null}', '{"threadId":"1; KILL 2","tag":null}']) {
      const outcome = await connector.cancelSession(db.config, key, loopbackContext());
      expect(outcome).toMatchObject({ ok: false, error: { code: 'connector.failed', kind: 'system' } });
    }
  });
});
