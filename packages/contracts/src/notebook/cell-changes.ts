import { z } from 'zod';
import { CellId, ConnectionId, ProjectId } from '../projects/ids';
import { CellKind, CellName } from './cell-name';
import { CellSource } from './cells';
import { InputConfig } from './inputs';

/**
 * Adds a cell after `afterCellId` (null: at the top). Without a name the server picks the next
 * free one for the kind (`query_1`, `js_1`, `input_1`, `text_1`). A SQL cell starts on the
 * project's default connection unless one is given.
 */
export const AddCellInput = z.object({
  projectId: ProjectId,
  kind: CellKind,
  afterCellId: CellId.nullable(),
  name: CellName.optional(),
  connectionId: ConnectionId.optional(),
  source: CellSource.optional(),
  input: InputConfig.optional(),
});
export type AddCellInput = z.infer<typeof AddCellInput>;

/** Moves a cell to `position` (0-based) in the project's order; the others keep their order. */
export const MoveCellInput = z.object({
  projectId: ProjectId,
  cellId: CellId,
  position: z.number().int().min(0).max(10_000),
});
export type MoveCellInput = z.infer<typeof MoveCellInput>;

/**
 * Renames a cell. References to it in later cells (`{{old}}` in SQL, the identifier in JS) are
 * rewritten to the new name in the same transaction, so nothing that worked breaks.
 */
export const RenameCellInput = z.object({ projectId: ProjectId, cellId: CellId, name: CellName });
export type RenameCellInput = z.infer<typeof RenameCellInput>;

export const DeleteCellInput = z.object({ projectId: ProjectId, cellId: CellId });
export type DeleteCellInput = z.infer<typeof DeleteCellInput>;
