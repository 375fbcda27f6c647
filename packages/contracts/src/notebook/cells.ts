import { z } from 'zod';
import { CellId, ConnectionId } from '../projects/ids';
import { CellName } from './cell-name';
import { InputConfig } from './inputs';

/**
 * Why a cell has no usable connection, so the cell can say so and offer to pick another: the
 * connection it used was deleted, removed from the project, or is a project connection while Admins
 * have switched those off. The SPA words it; `connectionName` is the connection's name.
 */
export const CellConnectionNote = z.object({
  reason: z.enum(['connection_deleted', 'connection_removed', 'project_connections_disabled']),
  connectionName: z.string(),
});
export type CellConnectionNote = z.infer<typeof CellConnectionNote>;

const MAX_CELL_SOURCE = 100_000;
const cellHeader = { id: CellId, name: CellName, position: z.number().int() };

/** A SQL cell: SQL text run on one of the project's connections; `{{name}}` reads an input. */
export const SqlCell = z.object({
  ...cellHeader,
  kind: z.literal('sql'),
  connectionId: ConnectionId.nullable(),
  source: z.string(),
  connectionNote: CellConnectionNote.nullable().default(null),
});
export type SqlCell = z.infer<typeof SqlCell>;

/**
 * A JS cell: the body of an async function run in a kernel. Earlier cells' results and inputs are
 * in scope by name (a table result as an array of row objects); it returns a table (an array of
 * plain objects) or a value.
 */
export const JsCell = z.object({ ...cellHeader, kind: z.literal('js'), source: z.string() });
export type JsCell = z.infer<typeof JsCell>;

/** An input parameter; its value is chosen when the notebook runs. */
export const InputCell = z.object({ ...cellHeader, kind: z.literal('input'), input: InputConfig });
export type InputCell = z.infer<typeof InputCell>;

/** Markdown text, rendered; not run. */
export const MarkdownCell = z.object({ ...cellHeader, kind: z.literal('markdown'), source: z.string() });
export type MarkdownCell = z.infer<typeof MarkdownCell>;

/** One cell of a notebook as Can explore and up see it. */
export const NotebookCell = z.discriminatedUnion('kind', [SqlCell, JsCell, InputCell, MarkdownCell]);
export type NotebookCell = z.infer<typeof NotebookCell>;

export const CellSource = z
  .string()
  .max(MAX_CELL_SOURCE, { message: 'A cell holds at most 100,000 characters' });
