import type { Column } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { runChunks } from '@quarry/db/schema';
import type { Vault } from '@quarry/vault';
import { and, asc, eq, gt, gte, lte } from 'drizzle-orm';
import { chunkContext, openChunkText, parseColumnsChunk, VALUE_CHUNK_MARK } from './chunk-format';

/**
 * An opened chunk: the columns, a batch of rows kept as text for the reader to parse, or a JS
 * cell's value as JSON text.
 */
export type ChunkBody =
  | { kind: 'columns'; columns: Column[] }
  | { kind: 'rows'; text: string; rowCount: number }
  | { kind: 'value'; json: string };

/**
 * The first chunk of a run at or after `fromSeq` that has not expired by `now`, or null. Opening it
 * (decrypting; a moved or altered chunk throws) is left to the caller, who may refuse a gap first.
 */
export async function readNextChunk(
  db: Db,
  vault: Vault,
  input: { workspaceId: string; runId: string; fromSeq: number; now: Date },
): Promise<{ seq: number; open: () => ChunkBody } | null> {
  const [chunk] = await db
    .select()
    .from(runChunks)
    .where(
      and(
        eq(runChunks.runId, input.runId),
        gte(runChunks.seq, input.fromSeq),
        gt(runChunks.expiresAt, input.now),
      ),
    )
    .orderBy(asc(runChunks.seq))
    .limit(1);
  if (!chunk) return null;
  return {
    seq: chunk.seq,
    open: () => {
      const text = openChunkText(
        vault,
        chunkContext(input.workspaceId, input.runId, chunk.seq),
        chunk.payload,
      );
      if (chunk.rowCount > 0) return { kind: 'rows', text, rowCount: chunk.rowCount };
      if (text.startsWith(VALUE_CHUNK_MARK))
        return { kind: 'value', json: text.slice(VALUE_CHUNK_MARK.length) };
      return { kind: 'columns', columns: parseColumnsChunk(text) };
    },
  };
}

/** Whether a chunk at or after `fromSeq` expired by `now` (a result with a hole is no result). */
export async function hasExpiredChunk(
  db: Db,
  input: { runId: string; fromSeq: number; now: Date },
): Promise<boolean> {
  const [expired] = await db
    .select({ seq: runChunks.seq })
    .from(runChunks)
    .where(
      and(
        eq(runChunks.runId, input.runId),
        gte(runChunks.seq, input.fromSeq),
        lte(runChunks.expiresAt, input.now),
      ),
    )
    .limit(1);
  return expired !== undefined;
}
