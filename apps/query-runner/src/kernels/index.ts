export { CellResult } from './cell-result';
export { KernelError, KernelErrorCode } from './kernel-errors';
export {
  type AcquireInput,
  type CellRunInput,
  type CellRunOutput,
  createKernelPool,
  DEFAULT_KERNEL_LIMITS,
  type KernelPool,
  type KernelPoolOptions,
  type KernelPoolStats,
  type KernelSession,
} from './kernel-pool';
export { KernelLimits } from './kernel-protocol';
export { withKernelSession } from './with-kernel-session';
