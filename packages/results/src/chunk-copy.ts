import type { Readable, Writable } from 'node:stream';
import { ENDED_RUN_STATUSES } from '@quarry/contracts';
import type { Db, Sql, TransactionSql } from '@quarry/db';
import { RESULT_DELIVERED_CHANNEL } from './delivery-window';

/**
 * Sealed chunks move between Node and PostgreSQL as bytes, through binary COPY, rather than as
 * bound `bytea` values: postgres.js sends and receives every value as text, so a `bytea` of n bytes
 * costed a 2n-character hex string plus a copy of the bytes on each side (a 4 MB chunk made about
 * 12 MB of garbage in the runner and as much in the API, most of it strings large enough to live
 * in the old generation until a full collection). Here a chunk's bytes are copied once into the
 * CopyData message that carries them (writing), and arrive as the message's own bytes (reading).
 * Values are still bound: the COPY statements are constant text, and what they depend on is set
 * with `set_config` and a bound value on the same connection (the write's transaction, or a
 * connection held for the read), read back with `current_setting` (CONN-4).
 */

/** The client under a drizzle database (postgres.js): the results store keeps taking `db`. */
export function sqlOf(db: Db): Sql {
  const client = (db as unknown as { $client?: Sql }).$client;
  if (typeof client?.begin !== 'function') throw new Error('the results store needs a postgres.js database');
  return client;
}

/** Binary COPY's fixed header: signature, flags (no OIDs), no header extension. */
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = COPY_SIGNATURE.length + 8;
/** PostgreSQL's timestamps count microseconds from 2000-01-01T00:00:00Z. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
/** A COPY whose server answer never comes (postgres.js waits for it forever) fails after this. */
const COPY_IN_TIMEOUT_MS = 60_000;

export type StoredChunk = {
  runId: string;
  seq: number;
  rowCount: number;
  payload: Buffer;
  expiresAt: Date;
};

/**
 * Stores chunk rows of one run (consecutive seqs) in one transaction, answering false (and storing
 * nothing) when `attemptStartedAt` is given and that attempt no longer holds the run (`running`,
 * same start), or when the run already has a chunk at one of their seqs. The check takes the run's
 * row FOR SHARE, so no retry can take the run over between the check and the commit (the attempt
 * fence, JOB-1). Without `attemptStartedAt`, a missing run or a taken seq throws, as an insert
 * would. With `notifyChannel`, the run's id is notified there at the commit (never when nothing is
 * stored): the same statement as the check, so storing costs no statement for it; with
 * `firstRows`, that statement also sets the run's row_count when it has none.
 */
export async function copyChunksIn(
  db: Db,
  chunks: readonly StoredChunk[],
  options: { attemptStartedAt?: Date; notifyChannel?: string; firstRows?: number } = {},
): Promise<boolean> {
  const first = chunks[0];
  if (!first) return true;
  const runId = first.runId;
  const last = first.seq + chunks.length - 1;
  if (chunks.some((chunk, i) => chunk.runId !== runId || chunk.seq !== first.seq + i)) {
    throw new Error("chunks stored together are one run's, with consecutive seqs");
  }
  const sql = sqlOf(db);
  const held =
    chunks.reduce((bytes, chunk) => bytes + chunk.payload.length, 0) <= INLINE_CHUNK_BYTES
      ? await insertChunksInline(sql, chunks, options)
      : // Every server-side refusal the COPY itself could meet (the run's foreign key, the primary
        // key) is ruled out first under the lock: postgres.js never settles a COPY FROM that the
        // server refuses after the last byte was sent.
        await sql.begin(async (tx) => {
          // A chunk lives for seconds: its commit need not wait for the disk (synchronous_commit
          // off, set by the check). The run's terminal status, committed as usual after its last
          // chunk, flushes the WAL that holds every chunk before it, and a crash that loses a chunk
          // loses a result whose run it also fails. The first rows of a result also set the run's
          // row count, the mark that rows went out (an interrupted run is then failed, never run
          // again): in the transaction that stores them.
          const [row] = await chunkGuard(tx, chunks, options);
          if (!row) return false;
          const copy = (await tx`
            copy run_chunks (run_id, seq, row_count, payload, expires_at) from stdin (format binary)`.writable()) as Writable;
          await writeAll(copy, encodeChunkRows(chunks));
          return true;
        });
  if (!held && !options.attemptStartedAt) {
    throw new Error(`run ${runId} does not exist or already has a chunk from ${first.seq} to ${last}`);
  }
  return held;
}

/**
 * The check before chunks are stored: the run, locked (FOR SHARE, or by setting its row count with
 * its first rows), held by this attempt when one is given, without a chunk at these seqs yet.
 * Answers the run's id when it passes, and makes the transaction's commit not wait for the disk;
 * with `notifyChannel`, notifies the run's id at the commit.
 */
function chunkGuard(
  sql: Sql | TransactionSql,
  chunks: readonly StoredChunk[],
  options: { attemptStartedAt?: Date; notifyChannel?: string; firstRows?: number },
) {
  const { attemptStartedAt, notifyChannel, firstRows } = options;
  const first = chunks[0]?.seq ?? 0;
  const last = first + chunks.length - 1;
  const notify = notifyChannel ? sql`, pg_catalog.pg_notify(${notifyChannel}, r.id)` : sql``;
  const attempt = attemptStartedAt
    ? sql`and r.status = 'running' and r.started_at = ${attemptStartedAt.toISOString()}::timestamptz`
    : sql``;
  const unstored = sql`not exists (
    select 1 from run_chunks c where c.run_id = r.id and c.seq between ${first} and ${last})`;
  const runId = chunks[0]?.runId ?? '';
  return firstRows === undefined
    ? sql<{ id: string }[]>`
        select r.id, pg_catalog.set_config('synchronous_commit', 'off', true) ${notify}
        from runs r where r.id = ${runId} ${attempt} and ${unstored} for share of r`
    : sql<{ id: string }[]>`
        update runs r set row_count = coalesce(r.row_count, ${firstRows})
        where r.id = ${runId} ${attempt} and ${unstored}
        returning r.id, pg_catalog.set_config('synchronous_commit', 'off', true) ${notify}`;
}

/**
 * Chunks this small (a burst of small runs writes nothing larger) are stored by one statement, not
 * four (begin, the check, the COPY, commit): their hex text costs less than the three round trips.
 */
const INLINE_CHUNK_BYTES = 16 * 1024;

/**
 * copyChunksIn's check and store as one statement, its own transaction: the same guard (the run
 * locked, this attempt's, the seqs free), the same notification and row count, nothing stored when
 * the guard fails. Answers whether it stored them.
 */
async function insertChunksInline(
  sql: Sql,
  chunks: readonly StoredChunk[],
  options: { attemptStartedAt?: Date; notifyChannel?: string; firstRows?: number },
): Promise<boolean> {
  const first = chunks[0];
  if (!first) return true;
  // A chunk lives for seconds: the statement's own commit need not wait for the disk (see
  // copyChunksIn); set_config(…, true) holds for the transaction this statement is.
  const held = chunkGuard(sql, chunks, options);
  const values = chunks
    .map(
      (chunk) =>
        sql`(${chunk.seq}::int, ${chunk.rowCount}::int, ${chunk.payload}::bytea, ${chunk.expiresAt.toISOString()}::timestamptz)`,
    )
    .reduce((list, value) => sql`${list}, ${value}`);
  const stored = await sql`
    with held as (${held})
    insert into run_chunks (run_id, seq, row_count, payload, expires_at)
    select held.id, v.seq, v.row_count, v.payload, v.expires_at
    from held, (values ${values}) as v (seq, row_count, payload, expires_at)
    returning seq`;
  return stored.length === chunks.length;
}

/** One chunk row stored alone (see copyChunksIn). */
export function copyChunkIn(db: Db, chunk: StoredChunk, attemptStartedAt?: Date): Promise<boolean> {
  return copyChunksIn(db, [chunk], attemptStartedAt ? { attemptStartedAt } : {});
}

/** The binary COPY stream of chunk rows: the header, each tuple (its payload itself), the trailer. */
function encodeChunkRows(chunks: readonly StoredChunk[]): Buffer[] {
  const pieces: Buffer[] = [];
  for (const [i, chunk] of chunks.entries()) {
    const [head, payload, tail] = encodeChunkRow(chunk);
    // Only the first tuple carries the stream's header; only the last is followed by the trailer.
    pieces.push(i === 0 ? head : head.subarray(HEADER_BYTES), payload);
    pieces.push(i === chunks.length - 1 ? tail : tail.subarray(0, tail.length - 2));
  }
  return pieces;
}

/** The binary COPY stream of one chunk row: its header and fields, the payload itself, the trailer. */
function encodeChunkRow(chunk: StoredChunk): [head: Buffer, payload: Buffer, tail: Buffer] {
  const runId = Buffer.from(chunk.runId, 'utf8');
  const head = Buffer.allocUnsafe(HEADER_BYTES + 2 + 4 + runId.length + 8 + 8 + 4);
  let at = COPY_SIGNATURE.copy(head, 0);
  at = head.writeInt32BE(0, at); // flags
  at = head.writeInt32BE(0, at); // header extension length
  at = head.writeInt16BE(5, at); // fields in the tuple
  at = head.writeInt32BE(runId.length, at);
  at += runId.copy(head, at);
  at = head.writeInt32BE(4, at);
  at = head.writeInt32BE(chunk.seq, at);
  at = head.writeInt32BE(4, at);
  at = head.writeInt32BE(chunk.rowCount, at);
  head.writeInt32BE(chunk.payload.length, at);
  const tail = Buffer.allocUnsafe(4 + 8 + 2);
  tail.writeInt32BE(8, 0);
  tail.writeBigInt64BE(BigInt(chunk.expiresAt.getTime() - PG_EPOCH_MS) * 1000n, 4);
  tail.writeInt16BE(-1, 12); // the trailer
  return [head, chunk.payload, tail];
}

/** Writes the pieces and ends the COPY; settles when the server confirmed it (or refused it in time). */
function writeAll(copy: Writable, pieces: Buffer[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('the server did not confirm a chunk written by COPY'));
    }, COPY_IN_TIMEOUT_MS);
    const settle = (error?: Error | null) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    copy.once('error', settle);
    copy.once('finish', () => settle());
    for (const piece of pieces) copy.write(piece);
    copy.end();
  });
}

/** A chunk as read back: `payload` null when it expired (its bytes are not even sent). */
export type ReadChunk = { seq: number; rowCount: number; payload: Buffer | null };

/**
 * Chunks whose sealed bytes are at most this many are read back inline, as `bytea` values of one
 * statement: their hex text costs less than the COPY's second statement and held connection. A
 * small result's chunks all are; a larger one's are read by COPY (see copyChunksOut).
 */
export const INLINE_READ_BYTES = 16 * 1024;

/**
 * The chunks copyChunksOut would read, by one plain statement, when none of them that has not
 * expired is larger than INLINE_READ_BYTES; null when one is (the caller reads them by COPY).
 */
async function readChunksInline(
  db: Db,
  input: { runId: string; fromSeq: number; now: Date; max?: number },
): Promise<ReadChunk[] | null> {
  const rows = await sqlOf(db)<{ seq: number; row_count: number; fresh: boolean; payload: Buffer | null }[]>`
    select seq, row_count, expires_at > ${input.now.toISOString()}::timestamptz as fresh,
      case when expires_at > ${input.now.toISOString()}::timestamptz
        and octet_length(payload) <= ${INLINE_READ_BYTES} then payload end as payload
    from run_chunks
    where run_id = ${input.runId} and seq >= ${input.fromSeq}
    order by seq limit ${input.max ?? 1}`;
  const chunks: ReadChunk[] = [];
  for (const row of rows) {
    if (row.fresh && row.payload === null) return null;
    chunks.push({ seq: row.seq, rowCount: row.row_count, payload: row.fresh ? row.payload : null });
  }
  return chunks;
}

/** Which of a run's chunks a read asks for: the first `max` (1 when unset) from `fromSeq`, as of `now`. */
export type NextChunksOf = { workspaceId: string; runId: string; fromSeq: number; now: Date; max?: number };

/** What a reader of a run's events knows of the run between reads (readRunWithChunksInline). */
export type RunState = {
  status: string;
  rowCount: number | null;
  truncated: boolean;
  error: unknown;
  startedAt: Date | null;
  finishedAt: Date | null;
  cacheHitAt: Date | null;
};

type RunWithChunkRow = {
  status: string;
  row_count: number | null;
  truncated: boolean;
  error: unknown;
  started_at: string | null;
  finished_at: string | null;
  cache_hit_at: string | null;
  seq: number | null;
  chunk_rows: number | null;
  fresh: boolean | null;
  payload: Buffer | null;
  cleared: boolean | null;
};

/**
 * The run of the workspace as its reader knows it, and its next chunks as readChunksInline reads
 * them, by one statement: one round trip where a status read and a chunk read took two, and one
 * snapshot, so a terminal status comes with every chunk the run committed before it. The same
 * statement delivers what the reader took since its last read: the row chunks before
 * `deliveredBefore` are deleted (the runner waiting on its window is told), and once the run has
 * ended and nothing is left to read, every chunk of it (`cleared`). `run` is undefined when the
 * workspace has no such run; `chunks` is null when one of them is larger than INLINE_READ_BYTES
 * (read them by copyChunksOut).
 */
export async function readRunWithChunksInline(
  db: Db,
  input: NextChunksOf & { deliveredBefore?: number },
): Promise<{ run: RunState | undefined; chunks: ReadChunk[] | null; cleared: boolean }> {
  const now = input.now.toISOString();
  const { runId } = input;
  const rows = await sqlOf(db)<RunWithChunkRow[]>`
    with r as (
      select status, row_count, truncated, error, started_at, finished_at, cache_hit_at
      from runs where id = ${runId} and workspace_id = ${input.workspaceId}
    ), c as (
      select seq, row_count as chunk_rows, expires_at > ${now}::timestamptz as fresh,
        case when expires_at > ${now}::timestamptz
          and octet_length(payload) <= ${INLINE_READ_BYTES} then payload end as payload
      from run_chunks
      where run_id = ${runId} and seq >= ${input.fromSeq} and exists (select 1 from r)
      order by seq limit ${input.max ?? 1}
    ), ended_and_read as (
      select not exists (select 1 from c) and (select status from r) in ${sqlOf(db)(ENDED_RUN_STATUSES)} as yes
    ), gone as (
      delete from run_chunks
      where run_id = ${runId} and exists (select 1 from r)
        and ((seq > 0 and seq < ${input.deliveredBefore ?? 0}) or (select yes from ended_and_read))
      returning seq
    )
    select r.status, r.row_count, r.truncated, r.error, r.started_at, r.finished_at, r.cache_hit_at,
      c.seq, c.chunk_rows, c.fresh, c.payload, (select yes from ended_and_read) as cleared,
      (select count(pg_notify(${RESULT_DELIVERED_CHANNEL}, ${runId}))
        from (select 1 from gone where seq > 0 limit 1) as any_gone) as told,
      set_config('synchronous_commit', 'off', true) as unhurried
    from r left join c on true
    order by c.seq`;
  const [head] = rows;
  if (!head) return { run: undefined, chunks: [], cleared: false };
  const run: RunState = {
    status: head.status,
    rowCount: head.row_count,
    truncated: head.truncated,
    error: typeof head.error === 'string' ? JSON.parse(head.error) : head.error,
    startedAt: instant(head.started_at),
    finishedAt: instant(head.finished_at),
    cacheHitAt: instant(head.cache_hit_at),
  };
  const found = rows.filter((row) => row.seq !== null && row.chunk_rows !== null);
  // As the statement decided it: an ended run of which nothing was left to read.
  const cleared = head.cleared === true;
  const chunks: ReadChunk[] = [];
  for (const row of found) {
    if (row.fresh && row.payload === null) return { run, chunks: null, cleared };
    chunks.push({
      seq: row.seq as number,
      rowCount: row.chunk_rows as number,
      payload: row.fresh ? row.payload : null,
    });
  }
  return { run, chunks, cleared };
}

/** A timestamptz as this client receives it (text: drizzle's driver leaves it unparsed), or null. */
const instant = (text: string | Date | null): Date | null =>
  text === null ? null : text instanceof Date ? text : new Date(text);

/**
 * The first `max` chunks of a run at or after `fromSeq` (1 when unset), as stored, in seq order. A
 * chunk that expired by `now` comes with a null payload (its bytes are not even sent); the others'
 * payloads are views of the bytes as they arrived (no copy).
 *
 * Chunks of at most INLINE_READ_BYTES are read inline by one statement, unless `inline` is false
 * (the caller expects larger ones); any other read is a COPY of binary rows:
 * one round trip and two statements: a connection held for this read alone gets the values as
 * session settings (bound) and the constant COPY, pipelined, where a transaction cost four
 * statements and three round trips. A setting left on the connection by an earlier read is only
 * ever overwritten by the next; and a chunk of another run would not open under this one's context.
 */
export async function copyChunksOut(
  db: Db,
  input: { runId: string; fromSeq: number; now: Date; max?: number; inline?: boolean },
): Promise<ReadChunk[]> {
  // Small chunks (a burst of small runs reads nothing larger) in one statement, unless the caller
  // expects large ones (the chunks before these were): see INLINE_READ_BYTES.
  if (input.inline !== false) {
    const inline = await readChunksInline(db, input);
    if (inline) return inline;
  }
  const sql = sqlOf(db);
  const reserved = await sql.reserve();
  let received: Buffer[];
  try {
    // Sent at once and answered in order (pipelined): the COPY finds the settings made.
    const settings = reserved`
      select set_config('quarry.chunk_run', ${input.runId}, false),
        set_config('quarry.chunk_from', ${String(input.fromSeq)}, false),
        set_config('quarry.chunk_max', ${String(input.max ?? 1)}, false),
        set_config('quarry.chunk_now', ${input.now.toISOString()}, false)`.execute();
    // Its failure fails the read too: awaited after the COPY is under way.
    settings.catch(() => {});
    const stream = (await reserved
      .unsafe(`
      copy (
        select seq, row_count,
          case when expires_at > current_setting('quarry.chunk_now')::timestamptz then payload end
        from run_chunks
        where run_id = current_setting('quarry.chunk_run')
          and seq >= current_setting('quarry.chunk_from')::int
        order by seq limit current_setting('quarry.chunk_max')::int
      ) to stdout (format binary)`)
      .readable()) as Readable;
    await settings;
    received = [];
    try {
      for await (const part of stream) received.push(part as Buffer);
    } finally {
      // postgres.js pauses its socket when a CopyData message fills the stream's buffer and
      // resumes it only from the stream's _read; when the rest of the answer (CopyDone, the
      // command's end) arrived in the same socket read, the stream ends without asking for more,
      // and the connection would wait for the command's end forever. Resume it.
      (stream as Readable & { _read: (size: number) => void })._read(0);
    }
  } finally {
    reserved.release();
  }
  const bytes = received.length === 1 ? (received[0] as Buffer) : Buffer.concat(received);
  return decodeChunkRows(bytes);
}

/** The tuples (seq int4, row_count int4, payload bytea or NULL) of a binary COPY. */
function decodeChunkRows(bytes: Buffer): ReadChunk[] {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, COPY_SIGNATURE.length).equals(COPY_SIGNATURE)) {
    throw new Error('a chunk read by COPY does not start with the binary COPY signature');
  }
  let at = HEADER_BYTES + bytes.readInt32BE(HEADER_BYTES - 4);
  const field = () => {
    const length = bytes.readInt32BE(at);
    if (length === -1) {
      at += 4;
      return null;
    }
    if (length < 0 || at + 4 + length > bytes.length) throw new Error('a chunk read by COPY is cut short');
    const value = bytes.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    return value;
  };
  const rows: ReadChunk[] = [];
  for (;;) {
    if (at + 2 > bytes.length) throw new Error('a chunk read by COPY is cut short');
    const fields = bytes.readInt16BE(at);
    if (fields === -1) return rows;
    if (fields !== 3) throw new Error(`a chunk read by COPY has ${fields} fields, not 3`);
    at += 2;
    const seq = field()?.readInt32BE(0);
    const rowCount = field()?.readInt32BE(0);
    if (seq === undefined || rowCount === undefined)
      throw new Error('a chunk read by COPY has no seq or row count');
    rows.push({ seq, rowCount, payload: field() });
  }
}
