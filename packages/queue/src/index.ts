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
export { RUN_CANCEL_CHANNEL } from './run-cancel';
