import type { Cell, Column } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import type { Vault, VaultContext } from '@quarry/vault';
import { copyChunksIn } from './chunk-copy';
import {
  chunkContext,
  RUN_CHUNK_TTL_MS,
  sealColumns,
  sealCopyText,
  sealRows,
  sealValue,
} from './chunk-format';

/**
 * What a chunk holds: the result's columns (always chunk 0), a batch of rows, as cells or as the
 * server's COPY text (whole rows; `letters` from copyColumnLetters of the result's columns), or the
 * value a JS cell returned instead of a table (its JSON text; the result's only chunk).
 */
export type ChunkContent =
  | { kind: 'columns'; columns: Column[] }
  | { kind: 'rows'; rows: Cell[][] }
  | { kind: 'copy'; letters: string; text: Buffer; rowCount: number }
  | { kind: 'value'; json: string };

export const rowCountOf = (content: ChunkContent): number => {
  switch (content.kind) {
    case 'columns':
    case 'value':
      return 0;
    case 'rows':
      return content.rows.length;
    case 'copy':
      return content.rowCount;
  }
};

function sealContent(vault: Vault, context: VaultContext, content: ChunkContent): Buffer {
  switch (content.kind) {
    case 'columns':
      return sealColumns(vault, context, content.columns);
    case 'rows':
      return sealRows(vault, context, content.rows);
    case 'copy':
      return sealCopyText(vault, context, content.letters, content.text);
    case 'value':
      return sealValue(vault, context, content.json);
  }
}

/**
 * Seals chunks of a run's result, each under its (workspace, run, seq) context, and stores them
 * together (one transaction, binary COPY: chunk-copy.ts) until `now + RUN_CHUNK_TTL_MS`, at
 * `firstSeq` and on. Row count 0 marks the columns chunk (or a value). The runner is the only
 * writer. With `notifyChannel`, readers are told at the commit.
 */
export async function writeChunks(
  db: Db,
  vault: Vault,
  input: {
    workspaceId: string;
    runId: string;
    firstSeq: number;
    contents: readonly ChunkContent[];
    now: Date;
    /**
     * The attempt that writes, by the `started_at` it took the run with: the chunks are stored only
     * while that attempt still holds the run (`running`, same start). An earlier attempt that lost
     * the run to a retry (JOB-1) then writes nothing into the retry's result.
     */
    attemptStartedAt?: Date;
    notifyChannel?: string;
    /** The run's row count to record, when these are its first rows (see copyChunksIn). */
    firstRows?: number;
  },
): Promise<boolean> {
  const expiresAt = new Date(input.now.getTime() + RUN_CHUNK_TTL_MS);
  const chunks = input.contents.map((content, i) => {
    const seq = input.firstSeq + i;
    return {
      runId: input.runId,
      seq,
      rowCount: rowCountOf(content),
      payload: sealContent(vault, chunkContext(input.workspaceId, input.runId, seq), content),
      expiresAt,
    };
  });
  return copyChunksIn(db, chunks, {
    ...(input.attemptStartedAt ? { attemptStartedAt: input.attemptStartedAt } : {}),
    ...(input.notifyChannel ? { notifyChannel: input.notifyChannel } : {}),
    ...(input.firstRows !== undefined ? { firstRows: input.firstRows } : {}),
  });
}

/** One chunk at `seq` (see writeChunks). */
export function writeChunk(
  db: Db,
  vault: Vault,
  input: {
    workspaceId: string;
    runId: string;
    seq: number;
    content: ChunkContent;
    now: Date;
    attemptStartedAt?: Date;
  },
): Promise<boolean> {
  const { seq, content, ...rest } = input;
  return writeChunks(db, vault, { ...rest, firstSeq: seq, contents: [content] });
}
