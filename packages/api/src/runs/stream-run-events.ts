import type { RunEvent, RunStatus } from '@quarry/contracts';
import { QuarryError } from '@quarry/contracts';
import { runChunks, runs } from '@quarry/db/schema';
import { chunkContext, openChunkText, parseColumnsChunk } from '@quarry/queue';
import { and, asc, eq, gte } from 'drizzle-orm';
import type { Deps } from '../deps';

const TERMINAL: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);
/** A lost notification costs at most this long; LISTEN/NOTIFY normally wakes us in under 1 ms. */
const FALLBACK_POLL_MS = 1000;
const CHUNKS_PER_READ = 16;

/**
 * Streams one run's events to its owner (the gate checked ownership): status changes, the columns,
 * row batches as the runner writes them, then `done` or `error`. Chunks are decrypted here, in
 * memory, and deleted once the whole result was delivered.
 */
export async function* streamRunEvents(
  deps: Deps,
  input: { runId: string; workspaceId: string; signal?: AbortSignal },
): AsyncGenerator<RunEvent> {
  const { runId, workspaceId, signal } = input;
  let nextSeq = 0;
  let lastStatus: RunStatus | null = null;
  let delivered = 0;
  while (!signal?.aborted) {
    // Status first, chunks second: the runner commits every chunk before a terminal status, so a
    // terminal status read before an empty chunk read means nothing is left.
    const [run] = await deps.db
      .select()
      .from(runs)
      .where(and(eq(runs.id, runId), eq(runs.workspaceId, workspaceId)));
    if (!run) return;
    const chunks = await deps.db
      .select()
      .from(runChunks)
      .where(and(eq(runChunks.runId, runId), gte(runChunks.seq, nextSeq)))
      .orderBy(asc(runChunks.seq))
      .limit(CHUNKS_PER_READ);
    if (run.status !== lastStatus && !TERMINAL.has(run.status)) {
      lastStatus = run.status as RunStatus;
      yield { type: 'status', status: lastStatus };
    }
    for (const chunk of chunks) {
      const text = openChunkText(deps.vault, chunkContext(workspaceId, runId, chunk.seq), chunk.payload);
      if (chunk.rowCount === 0) {
        yield { type: 'columns', columns: parseColumnsChunk(text) };
      } else {
        // The batch stays text: decrypted here, parsed only by the reader.
        delivered += chunk.rowCount;
        yield { type: 'rows', batch: text, batchRows: chunk.rowCount, rowCount: delivered };
      }
      nextSeq = chunk.seq + 1;
    }
    if (chunks.length) continue;
    if (TERMINAL.has(run.status)) {
      await deps.db.delete(runChunks).where(eq(runChunks.runId, runId));
      if (run.status === 'succeeded') {
        const durationMs =
          run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : 0;
        yield { type: 'done', rowCount: run.rowCount ?? delivered, truncated: run.truncated, durationMs };
      } else {
        const parsed = QuarryError.safeParse(run.error);
        yield {
          type: 'error',
          error: parsed.success
            ? parsed.data
            : { code: 'run.failed', message: 'The run failed', hint: 'Run it again' },
        };
      }
      return;
    }
    await deps.notifier.wait(runId, FALLBACK_POLL_MS, signal);
  }
}
