import type { QuarryError } from '@quarry/contracts';

/**
 * The most cells one project's notebook may hold. Every move, rename and run reads the notebook's
 * references (a JS cell's by parsing it) while the project is locked, on the API's event loop: the
 * bound keeps one call's work bounded for every other request.
 */
export const MAX_NOTEBOOK_CELLS = 500;

/** The most source text (characters, all cells together) one project's notebook may hold. */
export const MAX_NOTEBOOK_SOURCE = 5 * 1024 * 1024;

/** How big a notebook is: its cells and their source text, in characters. */
export type NotebookSize = { cells: number; source: number };

/** The size of a notebook's cells (an input cell's source is empty). */
export function notebookSize(cells: readonly { source: string }[]): NotebookSize {
  let source = 0;
  for (const cell of cells) source += cell.source.length;
  return { cells: cells.length, source };
}

/**
 * Refuses a notebook past a bound (`notebook.too_large`). Given the size it `was` before a change,
 * a change that makes it no bigger on that count is let through: a notebook already past a bound
 * (saved before the bounds existed) may still shrink.
 */
export function checkNotebookSize(next: NotebookSize, was?: NotebookSize): QuarryError | null {
  if (next.cells > MAX_NOTEBOOK_CELLS && next.cells > (was?.cells ?? 0)) {
    return tooLarge(`A notebook holds at most ${MAX_NOTEBOOK_CELLS} cells`, next);
  }
  if (next.source > MAX_NOTEBOOK_SOURCE && next.source > (was?.source ?? 0)) {
    return tooLarge(
      `A notebook holds at most ${MAX_NOTEBOOK_SOURCE / 1024 / 1024} MB of cell text in all`,
      next,
    );
  }
  return null;
}

function tooLarge(message: string, size: NotebookSize): QuarryError {
  return {
    code: 'notebook.too_large',
    message,
    hint: 'Split the notebook into two projects, or delete cells it no longer needs',
    details: {
      cells: size.cells,
      source: size.source,
      maxCells: MAX_NOTEBOOK_CELLS,
      maxSource: MAX_NOTEBOOK_SOURCE,
    },
  };
}
