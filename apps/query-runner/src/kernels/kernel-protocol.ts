import { z } from 'zod';
import { KernelError } from './kernel-errors';

/**
 * The messages between the pool and a kernel host, over the child's IPC channel. Both sides parse
 * what they receive: the host because only the pool may talk to it, the pool because a kernel runs
 * hostile code and is trusted no further than its messages check out.
 */

export const KernelLimits = z.object({
  /** The isolate's heap limit in MB (a guideline: hostile code can pass it 2–3×, KRN-1). */
  memoryMb: z.number().int().min(8).max(4096),
  /** CPU time one cell may use, in ms, promises included (KRN-4). */
  cpuMs: z.number().int().min(1),
  /** Wall-clock time one cell may take, in ms (KRN-4). */
  wallMs: z.number().int().min(1),
  /** The largest serialised result of one cell, in bytes (KRN-5). */
  maxResultBytes: z.number().int().min(1024),
  /** A run whose kernel gets no cell for this long has its isolate disposed. */
  idleMs: z.number().int().min(1),
});
export type KernelLimits = z.infer<typeof KernelLimits>;

const SecretValues = z.record(z.string(), z.string());

export const ToKernel = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('open'),
    sessionId: z.string().min(1),
    limits: KernelLimits,
    /** Only for runs of Can edit or Full access; null otherwise. */
    secrets: SecretValues.nullable(),
  }),
  z.object({
    type: z.literal('cell'),
    sessionId: z.string().min(1),
    cellId: z.string().min(1),
    code: z.string(),
    inputNames: z.array(z.string()),
    inputsJson: z.string(),
  }),
  z.object({ type: z.literal('close'), sessionId: z.string().min(1) }),
  z.object({ type: z.literal('shutdown') }),
]);
export type ToKernel = z.infer<typeof ToKernel>;

export const FromKernel = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int(), node: z.string(), isolatedVm: z.string() }),
  z.object({ type: z.literal('opened'), sessionId: z.string(), startMs: z.number() }),
  z.object({
    type: z.literal('cell_done'),
    sessionId: z.string(),
    cellId: z.string(),
    /** The isolate's answer as JSON text: the pool reads it with `readCellAnswer`. */
    outcome: z.discriminatedUnion('ok', [
      z.object({
        ok: z.literal(true),
        value: z.object({ answer: z.string(), cpuMs: z.number(), wallMs: z.number() }),
      }),
      z.object({ ok: z.literal(false), error: KernelError }),
    ]),
    /** True when the isolate is gone (a limit hit) and the session cannot run more cells. */
    sessionEnded: z.boolean(),
  }),
  z.object({
    type: z.literal('closed'),
    sessionId: z.string(),
    reason: z.enum(['ended', 'idle', 'failed']),
  }),
  /** Sent just before the host exits on its own, so the pool can name why. */
  z.object({ type: z.literal('fatal'), error: KernelError }),
]);
export type FromKernel = z.infer<typeof FromKernel>;
