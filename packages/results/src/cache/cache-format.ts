import type { Column } from '@quarry/contracts';
import type { VaultContext } from '@quarry/vault';
import { COPY_BATCH_MARK } from '../chunk-format';
import type { ChunkContent } from '../write-chunk';

/**
 * A chunk of a cached result, in the run's own chunk format: the columns (always seq 0, row count
 * 0), then batches of rows as the run's chunk text (the JSON text of `Cell[][]`, or COPY text behind
 * its framing line), which the cache keeps and hands back verbatim: no row is parsed on the way in.
 */
export type CacheChunk =
  | { kind: 'columns'; columns: Column[] }
  | { kind: 'rows'; text: string; rowCount: number };

/**
 * What a run's chunk sink may be given: the run's own chunk content (the columns, rows as cells, or
 * rows as the server's COPY text behind their framing line), or a batch of rows as the chunk's exact
 * plaintext bytes. The cache keeps each as the plaintext the run's chunk holds, byte for byte.
 */
export type RunChunkContent = ChunkContent | { kind: 'rows'; bytes: Uint8Array; rowCount: number };

/** A cached chunk is sealed for its entry and position alone: moved or reordered, it fails to open. */
export const cacheChunkContext = (workspaceId: string, entryId: string, seq: number): VaultContext => ({
  workspaceId,
  recordId: `${entryId}:${seq}`,
  purpose: 'result.cache',
});

/** The workspace's HMAC key for cache keys, sealed under its own purpose. */
export const cacheHmacKeyContext = (workspaceId: string): VaultContext => ({
  workspaceId,
  recordId: workspaceId,
  purpose: 'result.cache.key',
});

/** The plaintext a chunk is sealed from, and its row count (0 for the columns). */
export function chunkPlaintext(chunk: CacheChunk | RunChunkContent): {
  text: string | Uint8Array;
  rowCount: number;
} {
  if (chunk.kind === 'columns') return { text: JSON.stringify({ columns: chunk.columns }), rowCount: 0 };
  if (chunk.kind === 'copy') {
    // The same bytes sealCopyText seals: the framing line, then the server's rows.
    const head = Buffer.from(`${COPY_BATCH_MARK}${chunk.letters}\n`, 'latin1');
    return { text: Buffer.concat([head, chunk.text]), rowCount: chunk.rowCount };
  }
  // The cache holds SQL results only; a JS cell's value never reaches it.
  if (chunk.kind === 'value') throw new Error('a JS value result is never cached');
  if ('text' in chunk) return { text: chunk.text, rowCount: chunk.rowCount };
  if ('bytes' in chunk) return { text: chunk.bytes, rowCount: chunk.rowCount };
  return { text: JSON.stringify(chunk.rows), rowCount: chunk.rows.length };
}

/**
 * An entry still being written is swept after this long: a runner that died mid-write leaves no
 * rows at rest beyond it (a run's statement times out after 5 minutes; a slow reader's backpressure
 * may hold its stream longer, and an entry swept under a writer only ends that writer).
 */
export const INCOMPLETE_CACHE_ENTRY_MAX_AGE_MS = 60 * 60_000;

/** The policy's bounds, as the contract validates them. */
export { CACHE_TTL_MAX_SECONDS, CACHE_TTL_MIN_SECONDS } from '@quarry/contracts';

/**
 * The row count that marks an entry's trailer: the last chunk, sealed like the others, holding how
 * many chunks came before it and the result's row count and truncation. Without it an entry whose
 * tail was deleted would read as a shorter result.
 */
export const TRAILER_ROW_COUNT = -1;

export type CacheTrailer = { chunks: number; rowCount: number; truncated: boolean };

export function parseTrailer(text: string): CacheTrailer | null {
  try {
    const body = JSON.parse(text) as Partial<CacheTrailer>;
    if (
      Number.isSafeInteger(body.chunks) &&
      Number.isSafeInteger(body.rowCount) &&
      typeof body.truncated === 'boolean'
    ) {
      return body as CacheTrailer;
    }
    return null;
  } catch {
    return null;
  }
}

/**
 * A cached chunk as the run's chunk writer takes it: COPY text goes back behind its framing line as
 * it came (no row is parsed); a JSON batch goes back as its cells (parsed once, as the cursor path
 * built them).
 */
export function cachedChunkContent(chunk: CacheChunk): ChunkContent {
  if (chunk.kind === 'columns') return chunk;
  if (chunk.text.startsWith(COPY_BATCH_MARK)) {
    const end = chunk.text.indexOf('\n');
    return {
      kind: 'copy',
      letters: chunk.text.slice(COPY_BATCH_MARK.length, end),
      text: Buffer.from(chunk.text.slice(end + 1), 'utf8'),
      rowCount: chunk.rowCount,
    };
  }
  return { kind: 'rows', rows: JSON.parse(chunk.text) as Extract<ChunkContent, { kind: 'rows' }>['rows'] };
}
