import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import type { Db, Sql } from '@quarry/db';
import type { Vault } from '@quarry/vault';
import { RUN_EVENTS_CHANNEL } from './chunk-format';
import { RESULT_WINDOW_CHUNKS, waitForWindow } from './delivery-window';
import { deleteHeldRunChunks, deleteRunChunks } from './expire-chunks';
import { type ChunkContent, rowCountOf, writeChunks } from './write-chunk';

/** What a write answers when its attempt no longer holds the run (a retry took it over). */
export const RUN_SUPERSEDED: QuarryError = {
  code: 'run.interrupted',
  message: 'This attempt of the run was taken over by another',
  hint: 'Nothing to do: the run goes on in its newer attempt',
};

export type ResultWriter = {
  /**
   * Stores the next chunk, or the next few together (the columns with the first rows: one
   * transaction and one notification), and tells the result's readers. A row chunk waits first for
   * room in the delivery window (RESULT_WINDOW_CHUNKS), and answers `run.abandoned` when nobody takes
   * a chunk for too long; the caller then stops the query and discards what was written.
   */
  write(content: ChunkContent | readonly ChunkContent[]): Promise<Result<void, QuarryError>>;
  /** Deletes every chunk of the result (an abandoned or failed result leaves nothing behind). */
  discard(): Promise<void>;
};

/**
 * The writing side of the results store for one result: sequence numbers, the window, sealing,
 * storing and the notification. A result's id is its run's id today; chunks are keyed by it, so a
 * result shared by several runs (the cache) keeps the same API.
 */
export function createResultWriter(
  deps: { db: Db; sql: Sql; vault: Vault; now: () => Date },
  input: {
    workspaceId: string;
    resultId: string;
    window?: number;
    abandonAfterMs?: number;
    signal?: AbortSignal;
    /**
     * The attempt writing, by the `started_at` it took its run with: chunks are stored, and
     * discarded, only while it still holds the run, so an earlier attempt that lost the run to a
     * retry neither adds to nor deletes the retry's result (JOB-1).
     */
    attemptStartedAt?: Date;
    /**
     * The result is a run's: its first rows also set the run's row_count (the mark that rows went
     * out, JOB-1), in the transaction that stores them.
     */
    recordFirstRows?: boolean;
  },
): ResultWriter {
  let seq = 0;
  // Row chunks this writer stored: while fewer than the window, the window has room whatever was
  // delivered, and is not counted (a small result's one chunk costs no statement for it).
  let rowChunks = 0;
  let rowsRecorded = !input.recordFirstRows;
  const window = input.window ?? RESULT_WINDOW_CHUNKS;
  /** Stores chunks together (at most one of them a row chunk, or a value). */
  const writeTogether = async (contents: readonly ChunkContent[]): Promise<Result<void, QuarryError>> => {
    const rows = contents.filter((content) => content.kind !== 'columns').length;
    if (rows > 0 && rowChunks + rows > window) {
      const room = await waitForWindow(deps.db, deps.sql, {
        resultId: input.resultId,
        ...(input.window ? { window: input.window } : {}),
        ...(input.abandonAfterMs ? { abandonAfterMs: input.abandonAfterMs } : {}),
        ...(input.signal ? { signal: input.signal } : {}),
      });
      if (!room.ok) return room;
    }
    // The readers are told at the commit, by the statement that checks the attempt still holds
    // the run; a reader that misses the news polls within a second.
    const firstRows = rowsRecorded ? 0 : contents.reduce((sum, content) => sum + rowCountOf(content), 0);
    const stored = await writeChunks(deps.db, deps.vault, {
      workspaceId: input.workspaceId,
      runId: input.resultId,
      firstSeq: seq,
      contents,
      now: deps.now(),
      notifyChannel: RUN_EVENTS_CHANNEL,
      ...(input.attemptStartedAt ? { attemptStartedAt: input.attemptStartedAt } : {}),
      ...(firstRows > 0 ? { firstRows } : {}),
    });
    if (!stored) return err(RUN_SUPERSEDED);
    seq += contents.length;
    rowChunks += rows;
    if (firstRows > 0) rowsRecorded = true;
    return ok(undefined);
  };
  return {
    async write(given) {
      const contents: readonly ChunkContent[] = Array.isArray(given) ? given : [given as ChunkContent];
      // A batch of COPY text larger than a stored chunk goes as several, cut on row boundaries; the
      // chunks before it (the columns) go with its first part.
      const last = contents.at(-1);
      if (last?.kind !== 'copy' || last.text.length <= STORED_CHUNK_BYTES) return writeTogether(contents);
      let before: readonly ChunkContent[] = contents.slice(0, -1);
      for (const part of copyParts(last.text)) {
        const written = await writeTogether([...before, { ...last, text: part.text, rowCount: part.rows }]);
        if (!written.ok) return written;
        before = [];
      }
      return ok(undefined);
    },
    discard: () =>
      input.attemptStartedAt
        ? deleteHeldRunChunks(deps.db, input.resultId, input.attemptStartedAt)
        : deleteRunChunks(deps.db, input.resultId),
  };
}

/**
 * The most bytes of COPY text one stored chunk holds; a larger batch is stored as several chunks,
 * cut on row boundaries. Each process holds a chunk whole (sealed, opened) while it moves it and the
 * collector frees it only later, so the size of a chunk sets much of the runner's and the API's
 * memory, and the delivery window (in chunks) holds at most this many bytes a chunk.
 */
export const STORED_CHUNK_BYTES = 512 * 1024;

const NEWLINE = 0x0a;

/** Whole rows of COPY text in parts of at most STORED_CHUNK_BYTES (a longer row makes a part of its own). */
function* copyParts(text: Buffer): Generator<{ text: Buffer; rows: number }> {
  let from = 0;
  while (from < text.length) {
    let cut = text.lastIndexOf(NEWLINE, from + STORED_CHUNK_BYTES - 1);
    if (cut < from) cut = text.indexOf(NEWLINE, from);
    const end = cut === -1 ? text.length : cut + 1;
    let rows = 0;
    for (let at = text.indexOf(NEWLINE, from); at !== -1 && at < end; at = text.indexOf(NEWLINE, at + 1))
      rows += 1;
    yield { text: text.subarray(from, end), rows };
    from = end;
  }
}
