import { z } from 'zod';

/**
 * A cell's name: how later cells refer to it (`{{region}}` in SQL, `orders` in a JS cell), so it
 * is an identifier both languages read the same way. Unique within a project.
 */
export const CellName = z
  .string()
  .min(1, { message: 'Give the cell a name' })
  .max(63, { message: 'A cell name holds at most 63 characters' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    message: 'A cell name starts with a letter or _ and holds only letters, digits and _',
  });
export type CellName = z.infer<typeof CellName>;

/** The kinds of cell a notebook holds, in the order the SPA offers them. */
export const CellKind = z.enum(['sql', 'js', 'input', 'markdown']);
export type CellKind = z.infer<typeof CellKind>;

/** Cells whose result is produced by a run (inputs and Markdown are not run). */
export const RunnableCellKind = z.enum(['sql', 'js']);
export type RunnableCellKind = z.infer<typeof RunnableCellKind>;
