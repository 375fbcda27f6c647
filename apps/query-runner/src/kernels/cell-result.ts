import { err, ok, type Result } from '@quarry/contracts';
import { z } from 'zod';
import { type KernelError, kernelError } from './kernel-errors';

// A result may hold a million rows: checked in one loop, without zod copying every row.
const Rows = z.custom<unknown[][]>(
  (v) => Array.isArray(v) && v.every((row) => Array.isArray(row)),
  'Rows must be arrays of values',
);

/** The kind of JS values a column held: one kind, `null` (nothing but nulls) or `mixed`. */
export const JsColumnKind = z.enum([
  'integer',
  'bigint',
  'float',
  'text',
  'boolean',
  'date',
  'json',
  'null',
  'mixed',
]);
export type JsColumnKind = z.infer<typeof JsColumnKind>;

/** What a JS cell hands back: a table the next cells and the results gate read, or a JSON value. */
export const CellResult = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('table'),
      columns: z.array(z.string()),
      rows: Rows,
      /**
       * What the isolate saw in each column before JSON (a bigint turns into text, a Date into its
       * ISO text): a hint the host checks against the values, never trusted on its own.
       */
      types: z.array(JsColumnKind).optional(),
    })
    .refine((t) => new Set(t.columns).size === t.columns.length, 'Column names must be unique')
    .refine((t) => t.rows.every((r) => r.length === t.columns.length), 'Every row needs one value per column')
    .refine((t) => t.types === undefined || t.types.length === t.columns.length, 'One type per column'),
  // Values come out of JSON.parse, so they are JSON by construction; only the shape is checked.
  z.object({
    kind: z.literal('value'),
    value: z.unknown().refine((v) => v !== undefined, 'The value is missing'),
  }),
]);
export type CellResult = z.infer<typeof CellResult>;

export type CellOutput = { result: CellResult; logs: string[] };

const IsolateAnswer = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown(), logs: z.array(z.string()).max(100) }),
  z.object({
    ok: z.literal(false),
    code: z.enum(['error', 'invalid_result', 'result_too_large']),
    message: z.string(),
    name: z.string().nullish(),
    line: z.number().int().nullish(),
    column: z.number().int().nullish(),
    chars: z.number().int().optional(),
  }),
]);

/**
 * Reads the one string a cell's isolate sent back. It is untrusted: its size is checked before it
 * is parsed, and its shape after (KRN-5). `bodyLines` tells a frame of the user's code from one of
 * the runtime's, whose line numbers would mean nothing to the user.
 */
export function readCellAnswer(
  text: unknown,
  limits: { maxResultBytes: number; bodyLines: number },
): Result<CellOutput, KernelError> {
  if (typeof text !== 'string')
    return err(kernelError('kernel.invalid_result', 'The cell returned no result'));
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxResultBytes) return err(tooLarge(bytes, limits.maxResultBytes));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return err(kernelError('kernel.invalid_result', 'The cell returned a value that is not JSON'));
  }
  const answer = IsolateAnswer.safeParse(parsed);
  if (!answer.success)
    return err(kernelError('kernel.invalid_result', 'The cell returned a result of an unknown shape'));
  const a = answer.data;
  if (!a.ok) {
    if (a.code === 'result_too_large') return err(tooLarge(a.chars ?? bytes, limits.maxResultBytes));
    if (a.code === 'invalid_result') return err(kernelError('kernel.invalid_result', a.message));
    const inBody = a.line != null && a.line >= 1 && a.line <= limits.bodyLines;
    const message = a.name && a.name !== 'Error' ? `${a.name}: ${a.message}` : a.message;
    return err(
      kernelError(
        'kernel.error',
        message,
        inBody ? { line: a.line ?? null, column: a.column ?? null } : undefined,
      ),
    );
  }
  const result = CellResult.safeParse(a.result);
  if (!result.success) {
    const why = result.error.issues[0]?.message ?? 'unknown shape';
    return err(
      kernelError('kernel.invalid_result', `The cell returned a table or value Quarry cannot read: ${why}`),
    );
  }
  return ok({ result: result.data, logs: a.logs });
}

function tooLarge(size: number, cap: number): KernelError {
  return kernelError('kernel.result_too_large', `The cell's result is larger than ${cap} bytes`, {
    size,
    cap,
  });
}
