import type { Cell, Column } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { runChunks } from '@quarry/db/schema';
import type { Vault, VaultContext } from '@quarry/vault';
import { chunkContext, RUN_CHUNK_TTL_MS, sealColumns, sealCopyText, sealRows } from './chunk-format';

/**
 * What a chunk holds: the result's columns (always chunk 0), or a batch of rows, as cells or as the
 * server's COPY text (whole rows; `letters` from copyColumnLetters of the result's columns).
 */
export type ChunkContent =
  | { kind: 'columns'; columns: Column[] }
  | { kind: 'rows'; rows: Cell[][] }
  | { kind: 'copy'; letters: string; text: Buffer; rowCount: number };

const rowCountOf = (content: ChunkContent) =>
  content.kind === 'columns' ? 0 : content.kind === 'rows' ? content.rows.length : content.rowCount;

function sealContent(vault: Vault, context: VaultContext, content: ChunkContent): Buffer {
  if (content.kind === 'columns') return sealColumns(vault, context, content.columns);
  if (content.kind === 'rows') return sealRows(vault, context, content.rows);
  return sealCopyText(vault, context, content.letters, content.text);
}

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
    rowCount: rowCountOf(content),
    payload: sealContent(vault, context, content),
    expiresAt: new Date(input.now.getTime() + RUN_CHUNK_TTL_MS),
  });
}
