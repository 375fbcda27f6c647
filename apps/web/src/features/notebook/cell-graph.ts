import type { InputValue, NotebookCell } from '@quarry/contracts';
import { downstreamOf, upstreamOf } from '@quarry/notebook';

/**
 * The notebook's graph as the SPA needs it for stale markers and Run downstream, from
 * @quarry/notebook (the same reference rules the server plans runs with). `cells` hold the text
 * each editor holds now (graphCells), so a reference typed and not yet saved counts.
 */

type Graph = readonly NotebookCell[];

const upstreamMemo = new WeakMap<Graph, Map<string, NotebookCell[]>>();

/** Every cell `cellId` reads, directly or through others, in notebook order; computed once per graph. */
export function upstreamCells(cells: Graph, cellId: string): NotebookCell[] {
  let byCell = upstreamMemo.get(cells);
  if (!byCell) {
    byCell = new Map();
    upstreamMemo.set(cells, byCell);
  }
  const known = byCell.get(cellId);
  if (known) return known;
  const found = upstreamOf(cells, cellId);
  byCell.set(cellId, found);
  return found;
}

/** The ids of the cells that read `cellId`, directly or through others, in notebook order. */
export function downstreamIds(cells: Graph, cellId: string): string[] {
  return downstreamOf(cells, [cellId]).map((cell) => cell.id);
}

/**
 * What a run of `cellId` depended on besides its own text: the text (and connection) of every
 * upstream cell and the value of every upstream input. A cell whose fingerprint now differs from
 * the one it last ran with is stale.
 */
export function runFingerprint(
  cells: Graph,
  cellId: string,
  inputValues: Readonly<Record<string, InputValue | undefined>>,
): string {
  const parts = upstreamCells(cells, cellId).map((cell) => {
    switch (cell.kind) {
      case 'input':
        return [cell.name, cell.input, inputValues[cell.name] ?? null];
      case 'sql':
        return [cell.name, cell.connectionId, cell.source];
      default:
        return [cell.name, cell.source];
    }
  });
  return JSON.stringify(parts);
}
