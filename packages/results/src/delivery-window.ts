import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import type { Db, Sql } from '@quarry/db';
import { runChunks } from '@quarry/db/schema';
import { and, count, eq, gt } from 'drizzle-orm';

/**
 * The backpressure window: at most this many row chunks of one result wait undelivered in Quarry's
 * database. The runner stops reading from the warehouse while the window is full (the server then
 * waits on its socket), and goes on as the reader takes chunks: a result never piles up here,
 * whatever its size or its reader's speed.
 */
export const RESULT_WINDOW_CHUNKS = 8;

/**
 * A full window that nobody takes a chunk from for this long is a result nobody reads (the reader
 * left, or never came): the run ends with `run.abandoned`, its query is cancelled and its chunks go.
 */
export const RESULT_ABANDON_MS = 2 * 60_000;

/** The channel the API notifies with a result id whenever it delivered (and deleted) a chunk of it. */
export const RESULT_DELIVERED_CHANNEL = 'quarry_result_delivered';

/** How long a wait lasts without a notification before the window is counted again. */
const RECOUNT_MS = 1000;

export const RESULT_ABANDONED: QuarryError = {
  code: 'run.abandoned',
  message: 'Nobody read this result, so its query was stopped',
  hint: 'Run it again and read its rows as they come (open the cell, or iterate the rows in the SDK)',
};

/** Row chunks of a result still waiting for their reader. */
export async function undeliveredChunks(db: Db, resultId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(runChunks)
    .where(and(eq(runChunks.runId, resultId), gt(runChunks.seq, 0)));
  return row?.n ?? 0;
}

type Waiter = () => void;
type Deliveries = { wait(resultId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> };

/** One LISTEN per process (per Sql client), shared by every result waiting for its reader. */
const listeners = new WeakMap<Sql, Promise<Deliveries>>();

function deliveries(sql: Sql): Promise<Deliveries> {
  const known = listeners.get(sql);
  if (known) return known;
  const waiters = new Map<string, Set<Waiter>>();
  const started = sql
    .listen(RESULT_DELIVERED_CHANNEL, (resultId) => {
      const set = waiters.get(resultId);
      if (!set) return;
      waiters.delete(resultId);
      for (const wake of set) wake();
    })
    .then(
      (): Deliveries => ({
        wait(resultId, timeoutMs, signal) {
          return new Promise<boolean>((resolve) => {
            const set = waiters.get(resultId) ?? new Set<Waiter>();
            waiters.set(resultId, set);
            const done = (delivered: boolean) => {
              clearTimeout(timer);
              signal?.removeEventListener('abort', aborted);
              set.delete(wake);
              if (!set.size && waiters.get(resultId) === set) waiters.delete(resultId);
              resolve(delivered);
            };
            const wake = () => done(true);
            const aborted = () => done(false);
            const timer = setTimeout(aborted, timeoutMs);
            signal?.addEventListener('abort', aborted, { once: true });
            set.add(wake);
          });
        },
      }),
    );
  // A failed LISTEN is tried again by the next waiter rather than remembered.
  started.catch(() => listeners.delete(sql));
  listeners.set(sql, started);
  return started;
}

/**
 * Waits until the result has room for one more row chunk (fewer than `window` undelivered), as long
 * as its reader keeps taking chunks: a full window with no delivery for `abandonAfterMs` answers
 * `run.abandoned`. A signal that aborts ends the wait at once (the caller then stops the run).
 */
export async function waitForWindow(
  db: Db,
  sql: Sql,
  input: { resultId: string; window?: number; abandonAfterMs?: number; signal?: AbortSignal },
): Promise<Result<void, QuarryError>> {
  const window = input.window ?? RESULT_WINDOW_CHUNKS;
  const abandonAfterMs = input.abandonAfterMs ?? RESULT_ABANDON_MS;
  let waiting = await undeliveredChunks(db, input.resultId);
  if (waiting < window) return ok(undefined);
  const listening = await deliveries(sql);
  let since = performance.now();
  while (!input.signal?.aborted) {
    const left = abandonAfterMs - (performance.now() - since);
    if (left <= 0) return err(RESULT_ABANDONED);
    await listening.wait(input.resultId, Math.min(RECOUNT_MS, left), input.signal);
    const now = await undeliveredChunks(db, input.resultId);
    if (now < window) return ok(undefined);
    // A chunk delivered since the last count (and another written by no one: only this run writes)
    // is the reader keeping up, slowly.
    if (now < waiting) since = performance.now();
    waiting = now;
  }
  return ok(undefined);
}

/**
 * Marks a chunk delivered, with every row chunk before it still left (a reader takes them in order):
 * deletes them (data minimisation: a delivered chunk is not kept) and tells the runner waiting on
 * the window. The columns chunk (seq 0) stays until the result ends. The delete's commit does not
 * wait for the disk (a delivered chunk come back after a crash is swept).
 */
export async function deliverChunk(sql: Sql, input: { resultId: string; seq: number }): Promise<void> {
  if (input.seq === 0) return;
  await sql`
    with gone as (
      delete from run_chunks where run_id = ${input.resultId} and seq > 0 and seq <= ${input.seq} returning seq
    )
    select pg_notify(${RESULT_DELIVERED_CHANNEL}, ${input.resultId}),
      set_config('synchronous_commit', 'off', true)
    from (select 1 from gone limit 1) as any_gone`;
}
