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
