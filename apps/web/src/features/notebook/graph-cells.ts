import type { InputValues, NotebookCell } from '@quarry/contracts';
import { type FingerprintCell, upstreamOf } from './cell-graph';
import type { NotebookState } from './notebook-store';

/** The notebook's cells as the graph reads them: in order, each with the text its editor holds now. */
export function graphCells(
  cells: readonly NotebookCell[],
  drafts: NotebookState['drafts'],
): FingerprintCell[] {
  return cells.map((cell) => {
    switch (cell.kind) {
      case 'input':
        return { id: cell.id, name: cell.name, kind: cell.kind, source: '', input: cell.input };
      case 'sql':
        return {
          id: cell.id,
          name: cell.name,
          kind: cell.kind,
          source: drafts[cell.id] ?? cell.source,
          connectionId: cell.connectionId,
        };
      default:
        return { id: cell.id, name: cell.name, kind: cell.kind, source: drafts[cell.id] ?? cell.source };
    }
  });
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
  return (cellId) => upstreamOf(graph, cellId);
}
