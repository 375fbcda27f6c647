import type { Cell } from '@quarry/contracts';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import type postgres from 'postgres';
import { expect } from 'vitest';
import { type PassthroughEvent, streamPostgresCopy } from '../postgres/copy-stream';
import type { PostgresSessionPool } from '../postgres/session-pool';
import { parsePostgresSessionKey } from '../postgres/stream';
import { cellsOf } from '../testing/copy-events';
import type { PostgresConfig, StreamOptions } from '../types';

export type Param = string | number | boolean | null;

/** What one run gave: its events, its rows, the backend pid and cancel key its session reported. */
export type RunOutcome = {
  events: PassthroughEvent[];
  rows: Cell[][];
  pid: number;
  key: string | null;
  last: PassthroughEvent | undefined;
};

export const randomTag = () => `quarry-run:run_${Math.random().toString(36).slice(2)}`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Options of a run as the runner builds them; `sessions` set only for a pooled run. */
export function runOptions(pool: PostgresSessionPool | undefined, extra: Partial<StreamOptions> = {}) {
  return {
    rowLimit: 100_000,
    timeoutMs: 10_000,
    allow: LOOPBACK,
    tag: randomTag(),
    ...(pool ? { sessions: pool } : {}),
    ...extra,
  } satisfies StreamOptions;
}

/** Runs `text` on the COPY path to its end (or until `stopAfter` events were read). */
export async function runCopy(
  config: PostgresConfig,
  text: string,
  options: StreamOptions & { params?: readonly Param[]; stopAfter?: number },
): Promise<RunOutcome> {
  let pid = -1;
  let key: string | null = null;
  const events: PassthroughEvent[] = [];
  const { params = [], stopAfter, ...rest } = options;
  const stream = streamPostgresCopy(config, text, params, {
    ...rest,
    onSession: async (k) => {
      key = k;
      pid = parsePostgresSessionKey(k)?.pid ?? -1;
    },
  });
  for await (const event of stream) {
    events.push(event);
    if (stopAfter !== undefined && events.length >= stopAfter) break;
  }
  return { events, rows: cellsOf(events), pid, key, last: events.at(-1) };
}

/** Until the pool holds `n` idle sessions (a session comes back after its reset, in the background). */
export async function idleSessions(pool: PostgresSessionPool, n: number, withinMs = 5_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (pool.stats().idle !== n && Date.now() < deadline) await sleep(10);
  expect(pool.stats().idle).toBe(n);
}

/** Waits for the pool's background resets to settle (idle count stable for a while). */
export async function settled(pool: PostgresSessionPool, quietMs = 250): Promise<void> {
  let last = pool.stats().idle;
  let since = Date.now();
  const deadline = Date.now() + 5_000;
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await sleep(20);
    const now = pool.stats().idle;
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

export async function backendOf(admin: postgres.Sql, pid: number) {
  const [row] = await admin<{ application_name: string; state: string; backend_xid: string | null }[]>`
    select application_name, state, backend_xid::text from pg_stat_activity where pid = ${pid}`;
  return row ?? null;
}

/** The warehouse's sessions the runner keeps (named `quarry-runner` while idle) in `database`. */
export async function runnerSessions(admin: postgres.Sql, database: string) {
  return admin<{ pid: number; state: string; application_name: string }[]>`
    select pid, state, application_name from pg_stat_activity
    where datname = ${database} and application_name = 'quarry-runner' and pid <> pg_backend_pid()`;
}

/**
 * The server's runner sessions in `database` and the pool's idle count, once they agree and every
 * such session is idle (or `withinMs` passed: the caller asserts on what it got). A quiet idle count
 * is not enough: a session still in its reset (rollback, `discard all`) is named for the runner at
 * the server before the pool counts it, and an ended one lingers until its backend exits. A session
 * kept while busy never goes idle, so it still fails the caller's check.
 */
export async function runnerSessionsSettled(
  admin: postgres.Sql,
  database: string,
  pool: PostgresSessionPool,
  withinMs = 15_000,
) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const sessions = await runnerSessions(admin, database);
    // Read after the server's answer: a session the pool took back meanwhile shows idle there too.
    const idle = pool.stats().idle;
    const agree = sessions.length === idle && sessions.every((s) => s.state === 'idle');
    if (agree || Date.now() >= deadline) return { sessions, idle };
    await sleep(50);
  }
}
