import { newId } from '@quarry/db';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { RUN_EVENTS_CHANNEL, RUN_STATUS_NEWS } from '@quarry/results';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunNotifier, startRunNotifier } from './run-notifier';

let database: TestDatabase;
let notifier: RunNotifier;

beforeAll(async () => {
  database = await createTestDatabase();
  notifier = await startRunNotifier(database.sql);
});
afterAll(async () => {
  await notifier?.close();
  await database?.drop();
});

const notify = (payload: string) => database.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${payload})`;

/**
 * Everything said on the channel, heard on the notifier's own LISTEN connection: heard here, the
 * notifier has heard it too.
 */
async function hearing() {
  const heard: string[] = [];
  const listening = await database.sql.listen(RUN_EVENTS_CHANNEL, (payload) => {
    heard.push(payload);
  });
  return { heard, listening };
}

/** Which comes first: the watch's wait, or `ms` milliseconds. */
const firstOf = (wait: Promise<unknown>, ms: number) =>
  Promise.race([
    wait.then(() => 'woken' as const),
    new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms)),
  ]);

describe('the run notifier', () => {
  it('tells a run read before news of it from one read after, and counts a forgotten run as news', async () => {
    const runId = newId('run');
    const other = newId('run');
    const before = notifier.mark();
    expect(notifier.heardSince(runId, before)).toBe(false);
    const { heard, listening } = await hearing();
    try {
      await notify(other);
      await expect.poll(() => heard.includes(other)).toBe(true);
      // Another run's news says nothing of this one.
      expect(notifier.heardSince(runId, before)).toBe(false);
      await notify(`${runId}${RUN_STATUS_NEWS}`);
      await expect.poll(() => heard.length).toBe(2);
      expect(notifier.heardSince(runId, before)).toBe(true);
      expect(notifier.heardSince(runId, notifier.mark())).toBe(false);

      // News of more runs than it remembers: a run whose news it forgot, and one never heard of,
      // count as news since any mark from before (a stale read is never taken as current).
      const late = notifier.mark();
      const quiet = newId('run');
      await database.sql`
        select pg_notify(${RUN_EVENTS_CHANNEL}, ${`${runId}`} || g::text) from generate_series(1, 10001) g`;
      await notify(`${runId}`);
      await expect.poll(() => heard.at(-1), { timeout: 20_000 }).toBe(runId);
      expect(notifier.heardSince(`${runId}1`, late)).toBe(true);
      expect(notifier.heardSince(quiet, late)).toBe(true);
      expect(notifier.heardSince(`${runId}10001`, late)).toBe(true);
      expect(notifier.heardSince(`${runId}10001`, notifier.mark())).toBe(false);
    } finally {
      await listening.unlisten();
    }
  });

  it('keeps news that came while the reader was busy: its next wait returns at once', async () => {
    const runId = newId('run');
    const watch = notifier.watch(runId);
    const { heard, listening } = await hearing();
    try {
      // The reader is reading (not waiting) when the runner's chunk is committed.
      await notify(runId);
      await expect.poll(() => heard.includes(runId)).toBe(true);
      expect(await firstOf(watch.wait(60_000), 5_000)).toBe('woken');
      // Taken: the next wait waits for new news.
      expect(await firstOf(watch.wait(60_000), 300)).toBe('still waiting');
    } finally {
      watch.close();
      await listening.unlisten();
    }
  });

  it('wakes a waiting reader on its run only, and every reader of that run', async () => {
    const runId = newId('run');
    const other = newId('run');
    const first = notifier.watch(runId);
    const second = notifier.watch(runId);
    const elsewhere = notifier.watch(other);
    try {
      const waits = [first.wait(60_000), second.wait(60_000)];
      const unrelated = firstOf(elsewhere.wait(60_000), 500);
      await notify(runId);
      expect(await Promise.all(waits.map((wait) => firstOf(wait, 10_000)))).toEqual(['woken', 'woken']);
      expect(await unrelated).toBe('still waiting');
    } finally {
      first.close();
      second.close();
      elsewhere.close();
    }
  });

  it('ends a wait at its timeout, or when its signal aborts, without news', async () => {
    const watch = notifier.watch(newId('run'));
    try {
      expect(await firstOf(watch.wait(20), 5_000)).toBe('woken');
      const abort = new AbortController();
      const waiting = firstOf(watch.wait(60_000, abort.signal), 5_000);
      abort.abort();
      expect(await waiting).toBe('woken');
    } finally {
      watch.close();
    }
  });

  it('says what news came: a run taken (its status alone), or chunks, which outweigh a status', async () => {
    const runId = newId('run');
    const watch = notifier.watch(runId);
    const { heard, listening } = await hearing();
    try {
      await notify(`${runId}${RUN_STATUS_NEWS}`);
      await expect.poll(() => heard.length).toBe(1);
      expect(await watch.wait(60_000)).toBe('status');
      await notify(`${runId}${RUN_STATUS_NEWS}`);
      await notify(runId);
      await notify(`${runId}${RUN_STATUS_NEWS}`);
      await expect.poll(() => heard.length).toBe(4);
      expect(await watch.wait(60_000)).toBe('chunks');
      expect(await watch.wait(20)).toBe('none');
    } finally {
      watch.close();
      await listening.unlisten();
    }
  });
});
