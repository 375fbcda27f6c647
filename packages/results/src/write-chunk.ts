import type { Cell, Column } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { runChunks } from '@quarry/db/schema';
import type { Vault } from '@quarry/vault';
import { chunkContext, RUN_CHUNK_TTL_MS, sealColumns, sealRows } from './chunk-format';

/** What a chunk holds: the result's columns (always chunk 0) or a batch of rows. */
export type ChunkContent = { kind: 'columns'; columns: Column[] } | { kind: 'rows'; rows: Cell[][] };

/**
 * Seals one chunk of a run's result under its (workspace, run, seq) context and stores it until
 * `now + RUN_CHUNK_TTL_MS`. Row count 0 marks the columns chunk. The runner is the only writer.
 */
export async function writeChunk(
  db: Db,
  vault: Vault,
  input: { workspaceId: string; runId: string; seq: number; content: ChunkContent; now: Date },
): Promise<void> {
  const { content } = input;
  const context = chunkContext(input.workspaceId, input.runId, input.seq);
  await db.insert(runChunks).values({
    runId: input.runId,
    seq: input.seq,
    rowCount: content.kind === 'columns' ? 0 : content.rows.length,
    payload:
      content.kind === 'columns'
        ? sealColumns(vault, context, content.columns)
        : sealRows(vault, context, content.rows),
    expiresAt: new Date(input.now.getTime() + RUN_CHUNK_TTL_MS),
  });
}
