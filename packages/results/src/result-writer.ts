import { ok, type QuarryError, type Result } from '@quarry/contracts';
import type { Db, Sql } from '@quarry/db';
import type { Vault } from '@quarry/vault';
import { RUN_EVENTS_CHANNEL } from './chunk-format';
import { waitForWindow } from './delivery-window';
import { deleteRunChunks } from './expire-chunks';
import { type ChunkContent, writeChunk } from './write-chunk';

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
      await writeChunk(deps.db, deps.vault, {
        workspaceId: input.workspaceId,
        runId: input.resultId,
        seq,
        content,
        now: deps.now(),
      });
      seq += 1;
      await deps.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${input.resultId})`;
      return ok(undefined);
    },
    discard: () => deleteRunChunks(deps.db, input.resultId),
  };
}
