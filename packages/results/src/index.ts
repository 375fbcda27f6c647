export {
  CACHE_TTL_MAX_SECONDS,
  CACHE_TTL_MIN_SECONDS,
  type CacheChunk,
  cacheChunkContext,
  cachedChunkContent,
  cacheHmacKeyContext,
  INCOMPLETE_CACHE_ENTRY_MAX_AGE_MS,
  type RunChunkContent,
} from './cache/cache-format';
export { type CacheKey, type CacheParam, cacheKeyFor, cacheKeyHash } from './cache/cache-key';
export { type CacheEntry, findFreshEntry } from './cache/find-fresh-entry';
export { invalidateCache, sweepExpiredCache } from './cache/invalidate-cache';
export { CacheChunkError, type EntryChunk, readEntryChunks } from './cache/read-entry';
export { beginCacheEntry, type CacheWriter } from './cache/write-entry';
export type { RunState } from './chunk-copy';
export {
  COPY_BATCH_MARK,
  chunkContext,
  copyColumnLetters,
  openChunkText,
  parseColumnsChunk,
  RUN_CHUNK_TTL_MS,
  RUN_EVENTS_CHANNEL,
  RUN_STATUS_NEWS,
  sealColumns,
  sealCopyText,
  sealRows,
} from './chunk-format';
export {
  deliverChunk,
  RESULT_ABANDON_MS,
  RESULT_ABANDONED,
  RESULT_DELIVERED_CHANNEL,
  RESULT_WINDOW_CHUNKS,
  undeliveredChunks,
  waitForWindow,
} from './delivery-window';
export { deleteRunChunks, sweepExpiredChunks } from './expire-chunks';
export { startMemoryProbe } from './memory-probe';
export {
  type ChunkBody,
  type ChunkBytes,
  chunkText,
  type NextChunk,
  readNextChunk,
  readNextChunks,
  readRunAndNextChunks,
} from './read-chunk';
export { createResultWriter, type ResultWriter } from './result-writer';
export { type ChunkContent, writeChunk } from './write-chunk';
