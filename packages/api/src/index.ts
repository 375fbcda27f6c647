export { type Caller, type Context, createContext, type RequestInfo } from './context';
export type { Deps, Logger } from './deps';
export { QuarryTRPCError, trpcCodeFor } from './errors';
export {
  cancelRunAsOperator,
  type OperationsDeps,
  purgeDeadLetters,
  type QueueAdmin,
  readOperationsStatus,
  readQueueDepth,
  readRunners,
  retryDeadLetter,
} from './operations/index';
export { type AppRouter, appRouter } from './router';
export { type RunNotifier, startRunNotifier } from './runs/run-notifier';
export { reconcileSchemaRefresh } from './schema/services/reconcile-schema-refresh';
export {
  completeSsoSignIn,
  passwordSignInAllowed,
  type SsoCallbackInput,
  type SsoCallbackOutcome,
  ssoRedirectUri,
  startSsoSignIn,
} from './sso/index';
export { type Actor, createCallerFactory, type Meta } from './trpc';
export {
  DEFAULT_ROTATION_BATCH_SIZE,
  type RotationCounts,
  type RotationFailure,
  type RotationFailureCode,
  type RotationProgress,
  type RotationReport,
  rotateSealedRecords,
} from './vault-rotation/rotate-sealed-records';
