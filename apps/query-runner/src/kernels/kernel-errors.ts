import type { QuarryError } from '@quarry/contracts';
import { z } from 'zod';

/**
 * Every way a JS cell can fail. `user` outcomes are the cell's own doing (a limit hit, an exception,
 * a result we cannot take); `kernel.crashed` is ours to look at, since we cannot tell whether the
 * process died of the cell or of us.
 */
export const KernelErrorCode = z.enum([
  /** The cell ran past its CPU-time limit or its wall-clock deadline (`details.limit` says which). */
  'kernel.timeout',
  /** The isolate passed its memory limit, or the kernel process its heap or RSS cap. */
  'kernel.out_of_memory',
  /** The kernel process died or stopped answering for a reason we cannot name. */
  'kernel.crashed',
  /** The serialised result is larger than the cap (KRN-5). */
  'kernel.result_too_large',
  /** The cell threw (or did not compile): the user's message, with line and column when known. */
  'kernel.error',
  /** The cell returned something that is neither a table nor a JSON value. */
  'kernel.invalid_result',
  /** The cell's inputs could not be handed to the kernel (too large, not JSON, a bad name). */
  'kernel.invalid_input',
  /** The pool was closed while the run waited for or held a kernel. */
  'kernel.closed',
]);
export type KernelErrorCode = z.infer<typeof KernelErrorCode>;

export const KernelError = z.object({
  code: KernelErrorCode,
  message: z.string(),
  hint: z.string().optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  kind: z.enum(['user', 'system']),
});
export type KernelError = z.infer<typeof KernelError> & QuarryError;

const SYSTEM_CODES: ReadonlySet<KernelErrorCode> = new Set(['kernel.crashed', 'kernel.closed']);

const HINTS: Partial<Record<KernelErrorCode, string>> = {
  'kernel.timeout': 'Make the cell do less work, or work on fewer rows',
  'kernel.out_of_memory': 'Make the cell keep less in memory, or work on fewer rows',
  'kernel.result_too_large': 'Return fewer rows or columns, or aggregate before returning',
  'kernel.invalid_result':
    'Return an array of objects, { columns, rows }, or a JSON value (numbers, strings, booleans, null, arrays, objects)',
};

export function kernelError(
  code: KernelErrorCode,
  message: string,
  details?: Record<string, string | number | boolean | null>,
): KernelError {
  const hint = HINTS[code];
  return {
    code,
    message,
    ...(hint ? { hint } : {}),
    ...(details ? { details } : {}),
    kind: SYSTEM_CODES.has(code) ? 'system' : 'user',
  };
}
