export { QUEUE_SCHEMA, type Queue, startQueue } from './boss';
export { type JobName, type JobPayload, jobCatalog, RUN_STATEMENT_TIMEOUT_MS } from './catalog';
export {
  chunkContext,
  openChunkText,
  parseColumnsChunk,
  RUN_CHUNK_TTL_MS,
  RUN_EVENTS_CHANNEL,
  sealColumns,
  sealRows,
} from './run-chunk';
