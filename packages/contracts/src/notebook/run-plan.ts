import { z } from 'zod';
import { CellId, ConnectionId } from '../projects/ids';
import { CellName } from './cell-name';
import { InputValue } from './inputs';

/**
 * A bound query parameter: the value's text (numbers keep every digit) or null. The SQL of a step
 * holds the connector's placeholders (`$1` for PostgreSQL, `?` for MySQL); values are never
 * spliced into it (CONN-4).
 */
export const BoundValue = z.union([z.string(), z.null()]);
export type BoundValue = z.infer<typeof BoundValue>;

export const SqlStep = z.object({
  kind: z.literal('sql'),
  cellId: CellId,
  name: CellName,
  connectionId: ConnectionId,
  /** The cell's SQL with `{{…}}` replaced by placeholders, in the order of `params`. */
  sql: z.string(),
  params: z.array(BoundValue),
});
export type SqlStep = z.infer<typeof SqlStep>;

export const JsStep = z.object({
  kind: z.literal('js'),
  cellId: CellId,
  name: CellName,
  source: z.string(),
  /** Names of earlier steps and inputs the cell reads, bound as parameters of its function. */
  uses: z.array(CellName),
});
export type JsStep = z.infer<typeof JsStep>;

export const RunStep = z.discriminatedUnion('kind', [SqlStep, JsStep]);
export type RunStep = z.infer<typeof RunStep>;

/**
 * What one run executes, decided when it starts (what the person saw is what runs): the target
 * cell last, preceded by the upstream cells it needs in dependency order, with the input values
 * resolved (defaults applied). The runner re-checks every connection of the plan (JOB-4) and the
 * results gate covers every connection the target derives from.
 */
export const RunPlan = z.object({
  steps: z.array(RunStep).min(1),
  inputs: z.record(CellName, InputValue),
});
export type RunPlan = z.infer<typeof RunPlan>;

/** How one step of a run went: what the run records for the person and the on-call engineer. */
export const RunStepOutcome = z.object({
  cellId: CellId,
  name: CellName,
  kind: z.enum(['sql', 'js']),
  rowCount: z.number().int().nullable(),
  durationMs: z.number().int(),
});
export type RunStepOutcome = z.infer<typeof RunStepOutcome>;
