import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import type { Db, Sql } from '@quarry/db';
import type { Vault } from '@quarry/vault';
import { RUN_EVENTS_CHANNEL } from './chunk-format';
import { waitForWindow } from './delivery-window';
import { deleteHeldRunChunks, deleteRunChunks } from './expire-chunks';
import { type ChunkContent, writeChunk } from './write-chunk';

/** What a write answers when its attempt no longer holds the run (a retry took it over). */
export const RUN_SUPERSEDED: QuarryError = {
  code: 'run.interrupted',
  message: 'This attempt of the run was taken over by another',
  hint: 'Nothing to do: the run goes on in its newer attempt',
};

export type ResultWriter = {
  /**
   * Stores the next chunk and tells the result's readers. A row chunk waits first for room in the
   * delivery window (RESULT_WINDOW_CHUNKS), and answers `run.abandoned` when nobody takes a chunk for
   * too long; the caller then stops the query and discards what was written.
   */
  write(content: ChunkContent): Promise<Result<void, QuarryError>>;
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
  },
): ResultWriter {
  let seq = 0;
  const writeOne = async (content: ChunkContent): Promise<Result<void, QuarryError>> => {
    if (content.kind !== 'columns') {
      const room = await waitForWindow(deps.db, deps.sql, {
        resultId: input.resultId,
        ...(input.window ? { window: input.window } : {}),
        ...(input.abandonAfterMs ? { abandonAfterMs: input.abandonAfterMs } : {}),
        ...(input.signal ? { signal: input.signal } : {}),
      });
      if (!room.ok) return room;
    }
    const stored = await writeChunk(deps.db, deps.vault, {
      workspaceId: input.workspaceId,
      runId: input.resultId,
      seq,
      content,
      now: deps.now(),
      ...(input.attemptStartedAt ? { attemptStartedAt: input.attemptStartedAt } : {}),
    });
    if (!stored) return err(RUN_SUPERSEDED);
    seq += 1;
    // Not waited for: the chunk is committed, and a reader that misses the news polls within a
    // second; the next chunk's window and storing go on meanwhile.
    deps.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${input.resultId})`.execute().catch(() => {});
    return ok(undefined);
  };
  return {
    async write(content) {
      if (content.kind !== 'copy' || content.text.length <= STORED_CHUNK_BYTES) return writeOne(content);
      for (const part of copyParts(content.text)) {
        const written = await writeOne({ ...content, text: part.text, rowCount: part.rows });
        if (!written.ok) return written;
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
