import { type Queries, queriesOver, type Sql } from './client';

/**
 * The COMMIT answered ROLLBACK: a statement sent before it failed (its own error is the one to
 * report; the caller's Promise.all over those statements usually rejects with it first).
 */
export class TransactionRolledBack extends Error {
  constructor() {
    super('the transaction was rolled back: a statement sent with its commit failed');
    this.name = 'TransactionRolledBack';
  }
}

/**
 * A transaction on one connection reserved from the pool, whose COMMIT the body sends together with
 * its last statements (`commit()` called in the same turn of the event loop as they are asked for,
 * after them) instead of after their answers. Locks those statements take are then held for the server's work alone: with drizzle's
 * `transaction()` they are held until the client has read the answers and sent COMMIT, a round trip
 * that a busy process stretches to tens of milliseconds, and writers of the same rows (one
 * workspace's run starts, its audit chain's head) queue behind each other for all of it.
 *
 * The server runs what was sent in order: a statement that fails aborts the transaction, every
 * statement after it fails too, and the COMMIT then answers ROLLBACK, which `commit()` rejects with
 * TransactionRolledBack. A decision the client would have made between the last answer and the
 * commit (a cap, a bound) must therefore be made by the server, by a statement that fails (see
 * quarry_refuse, and postgresErrorOf). A body that returns without calling `commit()` is committed
 * after it returns; one that throws before calling it is rolled back. Either way the connection
 * goes back to the pool only once the server has answered everything sent on it.
 */
export async function pipelinedTransaction<T>(
  sql: Sql,
  body: (tx: Queries, commit: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const reserved = await sql.reserve();
  let ended: Promise<void> | null = null;
  const commit = (): Promise<void> => {
    if (ended) throw new Error('commit() was called twice');
    // Sent at the end of this turn of the event loop, once every statement the body asked for in it
    // has been handed to the connection: a query builder sends its statement some microtasks after
    // it is awaited, so a COMMIT sent at once could overtake statements meant to come before it. The
    // server answers nothing meanwhile that this waits for: the COMMIT still goes out with them.
    const done = nextTurn()
      .then(() => reserved.unsafe('commit'))
      .then(async (result) => {
        if (result.command === 'COMMIT') return;
        // Rejected a turn later: the failed statement's own error, which drizzle hands on a few
        // microtasks after the answer, reaches a Promise.all over the batch first.
        await nextTurn();
        throw new TransactionRolledBack();
      });
    ended = done.catch(() => undefined);
    return done;
  };
  try {
    // Sent now and not waited for: the body's first statements go out behind it, in its round trip.
    // Nothing can fail a BEGIN on an idle connection but the connection, which fails them too.
    const began = reserved.unsafe('begin').execute();
    began.catch(() => undefined);
    try {
      const value = await body(queriesOver(reserved, sql), commit);
      await began;
      if (!ended) await commit();
      return value;
    } catch (error) {
      if (ended) await ended;
      else await reserved.unsafe('rollback').catch(() => undefined);
      throw error;
    }
  } finally {
    reserved.release();
  }
}

/** Resolves at the next turn of the event loop, after every microtask queued before it. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A PostgreSQL error's fields, wherever drizzle wrapped it (its `cause`), or null for any other error. */
export function postgresErrorOf(
  error: unknown,
): { code: string; message: string; detail: string | undefined } | null {
  for (let at: unknown = error, depth = 0; at && depth < 4; depth += 1) {
    const fields = at as { severity?: unknown; code?: unknown; message?: unknown; detail?: unknown };
    if (at instanceof Error && typeof fields.severity === 'string' && typeof fields.code === 'string') {
      const detail = typeof fields.detail === 'string' ? fields.detail : undefined;
      return { code: fields.code, message: at.message, detail };
    }
    at = at instanceof Error ? at.cause : null;
  }
  return null;
}

/** The SQLSTATE of quarry_refuse (migration 0019): a refusal the server decided in a statement. */
export const REFUSED_SQLSTATE = 'QR001';
