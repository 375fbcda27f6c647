export { QUEUE_SCHEMA, type Queue, startQueue } from './boss';
export {
  type JobContext,
  type JobHandler,
  type JobHandlers,
  type JobName,
  type JobPayload,
  jobCatalog,
  jobNames,
  RUN_STATEMENT_TIMEOUT_MS,
} from './catalog';
export {
  chunkContext,
  openChunkText,
  parseColumnsChunk,
  RUN_CHUNK_TTL_MS,
  RUN_EVENTS_CHANNEL,
  sealColumns,
  sealRows,
} from './run-chunk';
