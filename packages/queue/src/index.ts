export { QUEUE_SCHEMA, type Queue, type QueueTx, startQueue } from './boss';
export {
  type JobContext,
  type JobHandler,
  type JobHandlers,
  type JobName,
  type JobPayload,
  jobCatalog,
  jobNames,
  RUN_HEARTBEAT_SECONDS,
  RUN_STATEMENT_TIMEOUT_MS,
  SUPERVISE_SECONDS,
} from './catalog';
export { RUN_CANCEL_CHANNEL } from './run-cancel';
