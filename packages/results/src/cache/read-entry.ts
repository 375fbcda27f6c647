import type { Db } from '@quarry/db';
import { resultCacheChunks } from '@quarry/db/schema';
import type { Vault, VaultError } from '@quarry/vault';
import { and, asc, eq, gte } from 'drizzle-orm';
import { type CacheChunk, cacheChunkContext, parseTrailer, TRAILER_ROW_COUNT } from './cache-format';
import type { CacheEntry } from './find-fresh-entry';

/** A stored chunk that failed to open, or an entry missing a chunk: never served. */
export class CacheChunkError extends Error {
  constructor(
    readonly error: VaultError,
    readonly seq: number,
  ) {
    super(`cached chunk ${seq} could not be opened: ${error.code}`);
    this.name = 'CacheChunkError';
  }
}

/** What reading an entry yields: its chunks in order, then its end as the sealed trailer says it. */
export type EntryChunk = CacheChunk | { kind: 'end'; rowCount: number; truncated: boolean };

/** Chunks are read from the database a few at a time, so a large entry is never held whole. */
const PAGE = 8;

const missing = (seq: number) =>
  new CacheChunkError(
    {
      code: 'vault.tampered',
      message: 'The cached result is missing a chunk: it was altered',
      hint: 'Invalidate the connection’s cache',
    },
    seq,
  );

/**
 * An entry's chunks in order, each opened (decrypted) as it is reached, then `end` with the row
 * count and truncation its sealed trailer holds. Throws `CacheChunkError` (with the vault's typed
 * error) for a chunk that fails to open, a gap in the sequence, or a trailer that is missing or
 * disagrees with the chunks read: a result with a hole or a cut tail is no result. The row counts
 * stored in clear beside the chunks are checked against the trailer, never trusted alone.
 */
export async function* readEntryChunks(
  db: Db,
  vault: Vault,
  entry: Pick<CacheEntry, 'id' | 'workspaceId'>,
): AsyncGenerator<EntryChunk> {
  let next = 0;
  let rows = 0;
  for (;;) {
    const page = await db
      .select()
      .from(resultCacheChunks)
      .where(and(eq(resultCacheChunks.entryId, entry.id), gte(resultCacheChunks.seq, next)))
      .orderBy(asc(resultCacheChunks.seq))
      .limit(PAGE);
    if (page.length === 0) throw missing(next);
    for (const chunk of page) {
      if (chunk.seq !== next) throw missing(next);
      const text = vault.openText(chunk.payload, cacheChunkContext(entry.workspaceId, entry.id, chunk.seq));
      if (!text.ok) throw new CacheChunkError(text.error, chunk.seq);
      if (chunk.rowCount === TRAILER_ROW_COUNT) {
        const trailer = parseTrailer(text.value);
        if (!trailer || trailer.chunks !== chunk.seq || trailer.rowCount !== rows) throw missing(chunk.seq);
        yield { kind: 'end', rowCount: trailer.rowCount, truncated: trailer.truncated };
        return;
      }
      if (chunk.seq === 0) {
        const columns = parseColumns(text.value);
        if (!columns) throw new CacheChunkError(BAD_COLUMNS, 0);
        yield { kind: 'columns', columns };
      } else {
        rows += chunk.rowCount;
        yield { kind: 'rows', text: text.value, rowCount: chunk.rowCount };
      }
      next += 1;
    }
  }
}

const BAD_COLUMNS: VaultError = { code: 'vault.bad_format', message: 'The cached result holds no columns' };

function parseColumns(text: string): Extract<CacheChunk, { kind: 'columns' }>['columns'] | null {
  try {
    const body = JSON.parse(text) as { columns?: unknown };
    return Array.isArray(body.columns)
      ? (body.columns as Extract<CacheChunk, { kind: 'columns' }>['columns'])
      : null;
  } catch {
    return null;
  }
}
