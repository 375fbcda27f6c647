import type { InputValues, NotebookCell } from '@quarry/contracts';
import { downstreamIds, upstreamCells } from './cell-graph';
import type { NotebookState } from './notebook-store';

const graphMemo = new WeakMap<readonly NotebookCell[], WeakMap<NotebookState['drafts'], NotebookCell[]>>();

/**
 * The notebook's cells as the graph reads them: each with the text its editor holds now. The same
 * cells and drafts give the same array, so what is computed from it is computed once.
 */
export function graphCells(cells: readonly NotebookCell[], drafts: NotebookState['drafts']): NotebookCell[] {
  let byDrafts = graphMemo.get(cells);
  if (!byDrafts) {
    byDrafts = new WeakMap();
    graphMemo.set(cells, byDrafts);
  }
  const known = byDrafts.get(drafts);
  if (known) return known;
  const graph = cells.map((cell) => {
    const draft = drafts[cell.id];
    return draft === undefined || cell.kind === 'input' ? cell : { ...cell, source: draft };
  });
  byDrafts.set(drafts, graph);
  return graph;
}

/** The values a run starts with: one per input of the notebook, null where none was chosen (its default). */
export function runInputs(cells: readonly NotebookCell[], values: NotebookState['inputValues']): InputValues {
  const inputs: InputValues = {};
  for (const cell of cells) {
    if (cell.kind === 'input') inputs[cell.name] = values[cell.name] ?? null;
  }
  return inputs;
}

export const isRunnable = (cell: NotebookCell): cell is Extract<NotebookCell, { kind: 'sql' | 'js' }> =>
  cell.kind === 'sql' || cell.kind === 'js';

/** What each cell reads, directly or not, as the notebook is now: for skipping what a failure feeds. */
export function upstreamLookup(
  cells: readonly NotebookCell[],
  drafts: NotebookState['drafts'],
): (cellId: string) => string[] {
  const graph = graphCells(cells, drafts);
  return (cellId) => upstreamCells(graph, cellId).map((cell) => cell.id);
}

/**
 * The cells to run again after an input's value changed: the SQL and JS cells that read it, directly
 * or through others, and already show a result (they would show a stale one); cells not run yet
 * wait for Run.
 */
export function rerunAfterInputChange(
  cells: readonly NotebookCell[],
  state: Pick<NotebookState, 'drafts' | 'results'>,
  inputCellId: string,
): string[] {
  const byId = new Map(cells.map((cell) => [cell.id, cell]));
  return downstreamIds(graphCells(cells, state.drafts), inputCellId).filter((id) => {
    const cell = byId.get(id);
    return cell !== undefined && isRunnable(cell) && state.results[id] !== undefined;
  });
}
