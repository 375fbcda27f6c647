/**
 * Changing the notebook's shape: rename, move and delete a cell (add is AddCellMenu's). The
 * project page passes these down; null where the caller may not edit the project.
 */
export type CellChanges = {
  rename: (cellId: string, name: string) => Promise<void>;
  move: (cellId: string, position: number) => Promise<void>;
  remove: (cellId: string) => Promise<void>;
};
