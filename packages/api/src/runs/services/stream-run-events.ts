import type { RunEvent, RunStatus } from '@quarry/contracts';
import { QuarryError, runHasEnded } from '@quarry/contracts';
import { preparedQuery } from '@quarry/db';
import { runs } from '@quarry/db/schema';
import {
  type ChunkBytes,
  COPY_BATCH_MARK,
  chunkText,
  deleteRunChunks,
  deliverChunk,
  type NextChunk,
  readNextChunks,
  readRunAndNextChunks,
} from '@quarry/results';
import { and, eq, sql } from 'drizzle-orm';
import type { Deps } from '../../deps';
import type { OwnedRun } from '../../trpc';
import type { RunNews, RunWatch } from '../run-notifier';
import { refuseResultsOf } from './results-gate';
import { runOfWorkspace } from './run-of-workspace';

/** A lost notification costs at most this long; LISTEN/NOTIFY normally wakes us in under 1 ms. */
const FALLBACK_POLL_MS = 1000;
/**
 * How long row chunks the reader took wait for the next read to delete them before they are
 * deleted alone: a small run's end comes within it, and its read then deletes them in passing.
 */
const DELIVERY_DELAY_MS = 100;

type StreamInput = {
  runId: string;
  workspaceId: string;
  readerId: string;
  /** The run as the gate read it for this request (see OwnedRun). */
  read?: OwnedRun;
  signal?: AbortSignal;
  /** False: no `status` events (a reader that only wants the result: each event costs a write). */
  statuses?: boolean;
};

/** What the stream reads of its run after the first read. */
const STREAMED = {
  status: runs.status,
  rowCount: runs.rowCount,
  truncated: runs.truncated,
  error: runs.error,
  startedAt: runs.startedAt,
  finishedAt: runs.finishedAt,
  cacheHitAt: runs.cacheHitAt,
};
type StreamedRun = { [K in keyof typeof STREAMED]: (typeof runs.$inferSelect)[K] };

const streamedRun = preparedQuery('streamed_run', (db) =>
  db
    .select(STREAMED)
    .from(runs)
    .where(and(eq(runs.id, sql.placeholder('runId')), eq(runs.workspaceId, sql.placeholder('workspaceId')))),
);

const RESULTS_GONE: QuarryError = {
  code: 'run.results_expired',
  message: "This run's results are no longer available: they expired or were already delivered",
  hint: 'Run the query again',
};

const RESULTS_UNREADABLE: QuarryError = {
  code: 'run.results_unreadable',
  message: "This run's stored results failed their integrity check and were not sent",
  hint: 'Run the query again; if this happens again, tell an Admin',
};

/**
 * Streams one run's events to its owner (the gate checked ownership): status changes, the columns,
 * row batches as the runner writes them, then `done` or `error`. Before anything else, the reader's
 * Can view results is decided again by the engine (the runner decided it for the owner at run
 * time; a permission lost since then counts). Chunks are read one at a time, so this process holds
 * at most one chunk of a run, never one past its `expires_at`; each row chunk is deleted as soon as
 * the reader took it (the runner's backpressure window counts what is left), and the columns chunk
 * once the whole result was delivered. A result is delivered once: a second reader finds the
 * chunks already taken and gets `run.results_expired`.
 */
export async function* streamRunEvents(deps: Deps, input: StreamInput): AsyncGenerator<RunEvent> {
  // Watched before the first read: news that comes while a read is under way is not lost.
  const watch = deps.notifier.watch(input.runId);
  const reading: Reading = {
    // The row the caller read (the gate's, for its owner check), while no news of the run has come
    // since: the first read then costs no statement.
    first:
      input.read && !deps.notifier.heardSince(input.runId, input.read.heardBefore) ? input.read.row : null,
    gated: false,
    news: 'none',
    inline: true,
    last: null,
    lastStatus: null,
    nextSeq: 0,
    delivered: 0,
    undelivered: false,
    delivering: null,
  };
  try {
    yield* readRunEvents(deps, input, watch, reading);
  } finally {
    watch.close();
    // A reader that left: what it took is not kept.
    if (reading.undelivered)
      await deliverChunk(deps.sql, { resultId: input.runId, seq: reading.nextSeq - 1 }).catch(() => {});
  }
}

/** What a stream knows of its run between reads, and how far it delivered the result. */
type Reading = {
  /** The row the request's gate read, until the first read uses it. */
  first: OwnedRun['row'] | null;
  /** Whether the results gate let this reader through (decided at the first read). */
  gated: boolean;
  /** What woke this read: at first, nothing is known (every read is made). */
  news: RunNews;
  /** Whether the next chunks are likely small (read inline, one statement): until a large one came. */
  inline: boolean;
  /** The run as last read. */
  last: StreamedRun | null;
  /** The last status sent as an event. */
  lastStatus: RunStatus | null;
  /** The next chunk to send, and the rows sent so far. */
  nextSeq: number;
  delivered: number;
  /**
   * Row chunks the reader took that are still stored: delivered by the next read of the run and its
   * chunks (one statement), or after DELIVERY_DELAY_MS without news (a runner waiting for room in
   * its window sends none), or when the reader leaves.
   */
  undelivered: boolean;
  /** The last chunk's delivery (delete, and the runner told), overlapped with the next status read. */
  delivering: Promise<void> | null;
};

/** One read of the run: its state, the next chunks when they were read with it, and whether that read cleared them. */
type RunRead = { run: StreamedRun | undefined; chunks: NextChunk[] | null; cleared: boolean };

async function* readRunEvents(
  deps: Deps,
  input: StreamInput,
  watch: RunWatch,
  reading: Reading,
): AsyncGenerator<RunEvent> {
  const { runId, workspaceId, signal } = input;
  while (!signal?.aborted) {
    // Status first, chunks second: the runner commits every chunk before a terminal status, so a
    // terminal status read before an empty chunk read means nothing is left.
    const now = deps.now();
    const max = reading.nextSeq === 0 ? 2 : 1;
    const read = await readRun(deps, input, reading, { now, max });
    if ('refused' in read) {
      yield { type: 'error', error: read.refused };
      return;
    }
    if (reading.delivering) {
      await reading.delivering;
      reading.delivering = null;
    }
    const { run, cleared } = read;
    if (!run) return;
    reading.last = run;
    // A queued run has no chunk yet (a run queued again had its chunks dropped), nor has a running
    // one when all the news since the last read was its taking: the runner's first chunk comes
    // with a notification of its own. Nor has a run that succeeded once every row it counted went
    // out (row chunks hold at least one row each; a value's chunk counts none). The columns are
    // read with the first rows (the runner writes them together): the columns chunk is small.
    const chunks =
      run.status === 'queued' ||
      (run.status === 'running' && reading.news === 'status') ||
      allDelivered(run, reading)
        ? []
        : (read.chunks ??
          (await readNextChunks(deps.db, deps.vault, {
            workspaceId,
            runId,
            fromSeq: reading.nextSeq,
            now,
            max,
            inline: reading.inline,
          })));
    if (chunks.some((chunk) => chunk.large)) reading.inline = false;
    if (run.status !== reading.lastStatus && !runHasEnded(run.status) && input.statuses !== false) {
      reading.lastStatus = run.status;
      yield { type: 'status', status: run.status };
    }
    for (const chunk of chunks) {
      // A gap means the chunks before this one expired (or were taken), and one that expired is a
      // hole too: a result with a hole is not a result.
      if (chunk.seq !== reading.nextSeq || chunk.expired) {
        yield { type: 'error', error: RESULTS_GONE };
        return;
      }
      let body: ChunkBytes;
      try {
        body = chunk.openBytes();
      } catch (error) {
        // The vault refused it: moved from another run, or altered at rest. Nothing of it goes
        // out; the reader is told in words, and the operator in the log (the vault's code only).
        deps.log.error(
          { runId, seq: chunk.seq, err: String(error) },
          'a stored result chunk failed its check',
        );
        yield { type: 'error', error: RESULTS_UNREADABLE };
        return;
      }
      if (body.kind === 'columns') {
        yield { type: 'columns', columns: body.columns };
      } else if (body.kind === 'value') {
        yield { type: 'value', json: body.json };
        await deliverChunk(deps.sql, { resultId: runId, seq: chunk.seq });
      } else {
        // The batch stays text (JSON or the server's COPY text): decrypted here, parsed only by
        // the reader. COPY text goes out in pieces of whole rows, each behind the framing line,
        // cut from the decrypted bytes: the chunk is never one string here.
        for (const piece of eventPieces(body.bytes, body.rowCount)) {
          reading.delivered += piece.rows;
          yield { type: 'rows', batch: piece.text, batchRows: piece.rows, rowCount: reading.delivered };
        }
        // The last rows of a run that has ended: deleted with every other chunk of the run just
        // below (no runner waits for room any more), in one statement instead of two.
        const ended = run.status === 'succeeded' && reading.delivered >= (run.rowCount ?? 0);
        if (!ended && reading.inline) {
          // Taken by the reader (the generator resumed for the next event): deleted by the next
          // read, with it, which the runner's next news (or a short wait) brings.
          reading.undelivered = true;
        } else if (!ended) {
          // Deleted now, and the runner, which pauses the warehouse read while its window of
          // undelivered chunks is full, is told there is room (awaited after the next status
          // read, which it does not change).
          if (reading.delivering) await reading.delivering;
          reading.delivering = deliverChunk(deps.sql, { resultId: runId, seq: chunk.seq });
          reading.delivering.catch(() => {});
        }
      }
      reading.nextSeq = chunk.seq + 1;
    }
    // A running run's read that found fewer chunks than it asked for took every chunk committed:
    // the next comes with news of its own, so it is waited for rather than read for at once.
    const more = chunks.length === max || runHasEnded(run.status);
    if (chunks.length > 0 && !allDelivered(run, reading) && more) continue;
    if (runHasEnded(run.status)) {
      await reading.delivering;
      if (!cleared) await deleteRunChunks(deps.db, runId);
      reading.undelivered = false;
      yield endOf(run, reading);
      return;
    }
    if (reading.undelivered) {
      reading.news = await watch.wait(DELIVERY_DELAY_MS, signal);
      if (reading.news !== 'none' || signal?.aborted) continue;
      await deliverChunk(deps.sql, { resultId: runId, seq: reading.nextSeq - 1 });
      reading.undelivered = false;
    }
    reading.news = await watch.wait(FALLBACK_POLL_MS, signal);
  }
}

/**
 * The run as this read needs it, by the fewest statements: the whole row and the results gate the
 * first time; after that, nothing for the news of a runner's take, the status alone for other news
 * of the status (or while chunks are large), else the run and its next chunks in one statement.
 */
async function readRun(
  deps: Deps,
  input: StreamInput,
  reading: Reading,
  at: { now: Date; max: number },
): Promise<RunRead | { refused: QuarryError }> {
  const { runId, workspaceId } = input;
  if (!reading.gated) {
    // The same gate the runner applied for the owner, decided again now for this reader (item 5),
    // from the whole row (what the result derives from is in its plan).
    const [full] = reading.first
      ? [reading.first]
      : await runOfWorkspace(deps.db).execute({ runId, workspaceId });
    reading.first = null;
    if (!full) return { run: undefined, chunks: null, cleared: false };
    const refused = await refuseResultsOf(deps.db, full, { kind: 'member', userId: input.readerId });
    if (refused) return { refused };
    reading.gated = true;
    return { run: full, chunks: null, cleared: false };
  }
  if (reading.news === 'status' && reading.last?.status === 'queued') {
    // News of the status alone is a runner's take, which moves a queued run to running and
    // changes nothing else the stream reads: no statement. Any later change (a chunk, the end, a
    // cancel) comes with news of its own, which outweighs this.
    return {
      run: Object.assign({}, reading.last, { status: 'running' as const }),
      chunks: null,
      cleared: false,
    };
  }
  if (reading.news === 'status' || !reading.inline) {
    const [run] = await streamedRun(deps.db).execute({ runId, workspaceId });
    return { run, chunks: null, cleared: false };
  }
  // News of a chunk or of the end: the run and its next chunks in one statement and snapshot (a
  // terminal status comes with every chunk committed before it). It delivers what the reader took.
  const read = await readRunAndNextChunks(deps.db, deps.vault, {
    workspaceId,
    runId,
    fromSeq: reading.nextSeq,
    now: at.now,
    max: at.max,
    deliveredBefore: reading.nextSeq,
  });
  reading.undelivered = false;
  return { run: read.run as StreamedRun | undefined, chunks: read.chunks, cleared: read.cleared };
}

/**
 * Whether a run that succeeded has had every row it counted sent (row chunks hold at least one row
 * each): a run that had succeeded when its status was read had committed every chunk, so nothing
 * is left to read.
 */
const allDelivered = (run: StreamedRun, reading: Reading) =>
  run.status === 'succeeded' && reading.nextSeq > 0 && reading.delivered >= (run.rowCount ?? 0);

/** The last event of a run that has ended, once everything it wrote was sent. */
function endOf(run: StreamedRun, reading: Reading): RunEvent {
  if (run.status !== 'succeeded') {
    const parsed = QuarryError.safeParse(run.error);
    return {
      type: 'error',
      error: parsed.success
        ? parsed.data
        : { code: 'run.failed', message: 'The run failed', hint: 'Run it again' },
    };
  }
  // A succeeded run always wrote its columns first: none read means they are gone; fewer rows than
  // it wrote means another reader took them.
  if (reading.nextSeq === 0 || reading.delivered < (run.rowCount ?? 0))
    return { type: 'error', error: RESULTS_GONE };
  const durationMs = run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : 0;
  return {
    type: 'done',
    rowCount: run.rowCount ?? reading.delivered,
    truncated: run.truncated,
    durationMs,
    ...(run.cacheHitAt ? { cachedAt: run.cacheHitAt } : {}),
  };
}

/**
 * The most bytes of COPY text one `rows` event carries. A JSON-lines reader (tRPC's, in the SDK and
 * the SPA) joins and splits its pending text at every network read, so a line of megabytes costs it
 * time that grows as the square of the line. Pieces this small also stay young: V8 puts a string
 * over 128 KiB (and the event's JSON text, where tabs and newlines take two characters each) in
 * its large-object space, which only a full collection frees, so a million rows of large strings
 * grew the API's heap by hundreds of MB between collections.
 */
const EVENT_TEXT_BYTES = 48 * 1024;

const NEWLINE = 0x0a;

/** Rows (newlines) in bytes[from, to). */
function countRows(bytes: Buffer, from: number, to: number): number {
  let rows = 0;
  for (let at = bytes.indexOf(NEWLINE, from); at !== -1 && at < to; at = bytes.indexOf(NEWLINE, at + 1)) {
    rows += 1;
  }
  return rows;
}

/**
 * A chunk's plaintext as the events that carry it: a JSON batch as it is (cutting it would mean
 * parsing it), COPY text in pieces of whole rows of about EVENT_TEXT_BYTES, each behind the chunk's
 * framing line, with its own row count. Cut on newlines, which never fall inside a UTF-8 sequence.
 */
function* eventPieces(bytes: Buffer, rowCount: number): Generator<{ text: string; rows: number }> {
  const isCopy = bytes.subarray(0, COPY_BATCH_MARK.length).toString('latin1') === COPY_BATCH_MARK;
  const head = isCopy ? bytes.indexOf(NEWLINE) + 1 : 0;
  if (head === 0 || bytes.length - head <= EVENT_TEXT_BYTES) {
    yield { text: chunkText(bytes), rows: rowCount };
    return;
  }
  const framing = chunkText(bytes, 0, head);
  let from = head;
  while (from < bytes.length) {
    let cut = bytes.lastIndexOf(NEWLINE, from + EVENT_TEXT_BYTES - 1);
    // One row longer than a piece goes out whole.
    if (cut < from) cut = bytes.indexOf(NEWLINE, from);
    const end = cut === -1 ? bytes.length : cut + 1;
    yield { text: framing + chunkText(bytes, from, end), rows: countRows(bytes, from, end) };
    from = end;
  }
}
