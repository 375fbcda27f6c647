/**
 * The results store's own settings, read once: only debugging switches (the stores' real settings
 * come from their callers).
 */
export const resultsDebugEnv = Object.freeze({
  /** A directory: each process that loads the results store keeps its memory peaks there (memory-probe.ts). */
  memoryDir: process.env.QUARRY_DEBUG_MEMORY || undefined,
  /** With memoryDir: also a sampled profile of every allocation by stack. */
  allocations: Boolean(process.env.QUARRY_DEBUG_ALLOCATIONS),
});
