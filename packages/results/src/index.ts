export {
  CACHE_TTL_MAX_SECONDS,
  CACHE_TTL_MIN_SECONDS,
  type CacheChunk,
  cacheChunkContext,
  INCOMPLETE_CACHE_ENTRY_MAX_AGE_MS,
  type RunChunkContent,
} from './cache/cache-format';
export { type CacheKey, type CacheParam, cacheKeyFor, cacheKeyHash } from './cache/cache-key';
export { type CacheEntry, findFreshEntry } from './cache/find-fresh-entry';
export { invalidateCache, sweepExpiredCache } from './cache/invalidate-cache';
export { CacheChunkError, type EntryChunk, readEntryChunks } from './cache/read-entry';
export { beginCacheEntry, type CacheWriter } from './cache/write-entry';
export {
  chunkContext,
  openChunkText,
  parseColumnsChunk,
  RUN_CHUNK_TTL_MS,
  RUN_EVENTS_CHANNEL,
  sealColumns,
  sealRows,
} from './chunk-format';
export { deleteRunChunks, sweepExpiredChunks } from './expire-chunks';
export { type ChunkBody, hasExpiredChunk, readNextChunk } from './read-chunk';
export { type ChunkContent, writeChunk } from './write-chunk';
