export type { QueueAdmin } from './queue-admin';
export { cancelRunAsOperator, type OperatorCancel } from './services/cancel-run-as-operator';
export { purgeDeadLetters, retryDeadLetter } from './services/dead-letters';
export {
  type OperationsDeps,
  type OperationsScope,
  readOperationsStatus,
  readRunners,
} from './services/operations-status';
export type { Operator } from './services/operator';
export { catalogQueues, readQueueDepth } from './services/queue-depth';
