export {
  COPY_BATCH_MARK,
  chunkContext,
  copyColumnLetters,
  openChunkText,
  parseColumnsChunk,
  RUN_CHUNK_TTL_MS,
  RUN_EVENTS_CHANNEL,
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
export { type ChunkBody, hasExpiredChunk, readNextChunk } from './read-chunk';
export { createResultWriter, type ResultWriter } from './result-writer';
export { type ChunkContent, writeChunk } from './write-chunk';
