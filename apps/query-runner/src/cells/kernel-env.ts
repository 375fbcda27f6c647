import type { Logger } from 'pino';
import { z } from 'zod';
import { createKernelPool, type KernelPool } from '../kernels';
import { registerKernelPoolMetrics } from '../metrics';

/**
 * The runner's settings for JS cells. Merged into the runner's `Env` (src/env.ts) so they are read
 * from the environment and checked once at boot; every one has a default.
 */
export const KernelEnv = z.object({
  /** Kernel processes (each runs one run's JS cells at a time, KRN-1). */
  QUARRY_KERNELS: z.coerce.number().int().min(1).max(32).default(2),
  /** One run's isolate heap limit in MB (a guideline: the process caps below are the hard ones). */
  QUARRY_KERNEL_MEMORY_MB: z.coerce.number().int().min(8).max(4096).default(128),
  /** CPU time one JS cell may use, in ms, promises included (KRN-4). */
  QUARRY_KERNEL_CPU_MS: z.coerce.number().int().min(10).default(10_000),
  /** Wall-clock time one JS cell may take, in ms (KRN-4). */
  QUARRY_KERNEL_WALL_MS: z.coerce.number().int().min(10).default(30_000),
  /** The largest serialised result of one JS cell, in bytes (KRN-5). */
  QUARRY_KERNEL_MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  /** A run whose isolate gets no cell for this long has it disposed, in ms. */
  QUARRY_KERNEL_IDLE_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(5 * 60_000),
  /** Each kernel process's V8 heap cap, in MB (KRN-1). */
  QUARRY_KERNEL_HOST_HEAP_MB: z.coerce.number().int().min(64).default(256),
  /** Each kernel process's RSS cap, in MB: past it the process is killed and replaced (KRN-1). */
  QUARRY_KERNEL_HOST_RSS_MB: z.coerce.number().int().min(200).default(1024),
  /** The most rows a JS cell's SQL inputs may hold together, kept in the runner's memory. */
  QUARRY_JS_INPUT_MAX_ROWS: z.coerce.number().int().min(1).default(200_000),
  /** The most bytes of row text a JS cell's SQL inputs may hold together. */
  QUARRY_JS_INPUT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
});
export type KernelEnv = z.infer<typeof KernelEnv>;

/** Caps on what the SQL steps of one JS run may collect in memory. */
export type InputCaps = { maxRows: number; maxBytes: number };

export type RunnerKernels = { pool: KernelPool; inputCaps: InputCaps; close: () => Promise<void> };

/**
 * The runner's kernel pool, from its environment (fields absent take their defaults). Called once
 * by the worker after `assertKernelRuntime`; `close` after the worker drained its runs.
 */
export function createRunnerKernels(
  env: Readonly<Partial<Record<keyof KernelEnv, unknown>>>,
  log: Logger,
): RunnerKernels {
  const parsed = KernelEnv.parse(env);
  const pool = createKernelPool({
    log,
    size: parsed.QUARRY_KERNELS,
    limits: {
      memoryMb: parsed.QUARRY_KERNEL_MEMORY_MB,
      cpuMs: parsed.QUARRY_KERNEL_CPU_MS,
      wallMs: parsed.QUARRY_KERNEL_WALL_MS,
      maxResultBytes: parsed.QUARRY_KERNEL_MAX_RESULT_BYTES,
      idleMs: parsed.QUARRY_KERNEL_IDLE_MS,
    },
    hostHeapMb: parsed.QUARRY_KERNEL_HOST_HEAP_MB,
    hostRssMb: parsed.QUARRY_KERNEL_HOST_RSS_MB,
  });
  // Its size, states and memory on the runner's /metrics while it lives.
  const unregisterMetrics = registerKernelPoolMetrics(pool);
  return {
    pool,
    inputCaps: { maxRows: parsed.QUARRY_JS_INPUT_MAX_ROWS, maxBytes: parsed.QUARRY_JS_INPUT_MAX_BYTES },
    close: () => {
      unregisterMetrics();
      return pool.close();
    },
  };
}
