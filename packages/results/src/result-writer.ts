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
  return {
    async write(content) {
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
      await deps.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${input.resultId})`;
      return ok(undefined);
    },
    discard: () =>
      input.attemptStartedAt
        ? deleteHeldRunChunks(deps.db, input.resultId, input.attemptStartedAt)
        : deleteRunChunks(deps.db, input.resultId),
  };
}
