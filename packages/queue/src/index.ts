export { QUEUE_SCHEMA, type Queue, startQueue } from './boss';
export { type JobName, type JobPayload, jobCatalog, RUN_STATEMENT_TIMEOUT_MS } from './catalog';
export {
  ChunkBody,
  chunkContext,
  openChunk,
  RUN_CHUNK_TTL_MS,
  RUN_EVENTS_CHANNEL,
  sealChunk,
} from './run-chunk';
