import { KernelErrorCode, type QuarryError } from '@quarry/contracts';
import { z } from 'zod';

/** Every way a JS cell can fail: the codes live in contracts, with every other error code. */
export { KernelErrorCode };

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
