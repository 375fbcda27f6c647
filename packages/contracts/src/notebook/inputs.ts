import { z } from 'zod';
import { CellId } from '../projects/ids';

/** A calendar date as `YYYY-MM-DD`, bound as text and read by the database as a date. */
export const IsoDate = z.iso.date({ message: 'Write a date as YYYY-MM-DD' });

export const DateRangeValue = z
  .object({ start: IsoDate, end: IsoDate })
  .refine((r) => r.start <= r.end, { message: 'The range ends before it starts', path: ['end'] });
export type DateRangeValue = z.infer<typeof DateRangeValue>;

/**
 * Where a select input's options come from: a fixed list, or a column of an earlier SQL cell's
 * result (the SPA runs that cell and offers the column's distinct values).
 */
export const SelectOptions = z.discriminatedUnion('from', [
  z.object({ from: z.literal('list'), values: z.array(z.string().max(1000)).max(1000) }),
  z.object({ from: z.literal('cell'), cellId: CellId, column: z.string().max(1000) }),
]);
export type SelectOptions = z.infer<typeof SelectOptions>;

/**
 * An input cell's parameter: its type and default. SQL cells read it as `{{name}}` (a date range
 * as `{{name.start}}` and `{{name.end}}`), always bound as a query parameter, never spliced.
 */
export const InputConfig = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), default: z.string().max(10_000).default('') }),
  /** Numbers are kept as their decimal text, so no digit is lost on the way to the database. */
  z.object({
    type: z.literal('number'),
    default: z
      .string()
      .regex(/^-?\d+(\.\d+)?$/, { message: 'Write a number such as 42 or -1.5' })
      .max(100)
      .nullable()
      .default(null),
  }),
  z.object({ type: z.literal('date'), default: IsoDate.nullable().default(null) }),
  z.object({ type: z.literal('date_range'), default: DateRangeValue.nullable().default(null) }),
  z.object({
    type: z.literal('select'),
    options: SelectOptions,
    default: z.string().max(1000).nullable().default(null),
  }),
]);
export type InputConfig = z.infer<typeof InputConfig>;
export type InputType = InputConfig['type'];

/**
 * A value set for an input by whoever runs the notebook: text, a number's decimal text, a date,
 * a date range, or null for "not set" (the input's default applies). Checked against the input's
 * type when a run starts.
 */
export const InputValue = z.union([z.string().max(10_000), DateRangeValue, z.null()]);
export type InputValue = z.infer<typeof InputValue>;

/** Input values by input name, as a run is started with them. */
export const InputValues = z.record(z.string().max(63), InputValue);
export type InputValues = z.infer<typeof InputValues>;
