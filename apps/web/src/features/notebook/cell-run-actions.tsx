import type { NotebookCell } from '@quarry/contracts';
import { useMemo } from 'react';
import type { RunView } from '../runs/run-view';
import { downstreamIds } from './cell-graph';
import { graphCells, isRunnable, upstreamLookup } from './graph-cells';
import { useNotebook, useNotebookStore } from './notebook-store';

type CellRunActionsProps = {
  cellId: string;
  cells: readonly NotebookCell[];
  view: RunView;
  editable: boolean;
  shortcutId: string;
  onRun: () => void;
  onCancel: () => void;
};

/**
 * A runnable cell's buttons: Run (again while running restarts it), Cancel while it runs, and
 * Run downstream when later cells read this one.
 */
export function CellRunActions({
  cellId,
  cells,
  view,
  editable,
  shortcutId,
  onRun,
  onCancel,
}: CellRunActionsProps) {
  const store = useNotebookStore();
  const busy = view.phase === 'queued' || view.phase === 'running';
  const batching = useNotebook((state) => state.batch !== null);
  const drafts = useNotebook((state) => state.drafts);
  const downstream = useMemo(() => {
    const byId = new Map(cells.map((cell) => [cell.id, cell]));
    return downstreamIds(graphCells(cells, drafts), cellId).filter((id) => {
      const cell = byId.get(id);
      return cell !== undefined && isRunnable(cell);
    });
  }, [cells, cellId, drafts]);

  return (
    <div className="cell-actions">
      <span className="shortcut muted" id={shortcutId}>
        Ctrl/⌘ + Enter
      </span>
      {busy && editable ? (
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
      {editable && downstream.length > 0 ? (
        <button
          type="button"
          className="button"
          disabled={batching}
          title={`Runs this cell, then the ${downstream.length} after it that read it`}
          onClick={() =>
            void store.runInOrder([cellId, ...downstream], upstreamLookup(cells, store.get().drafts))
          }
        >
          Run downstream
        </button>
      ) : null}
      <button
        type="button"
        className="button button-primary"
        onClick={onRun}
        disabled={!editable}
        aria-describedby={shortcutId}
        data-running={busy ? 'true' : undefined}
      >
        Run
      </button>
    </div>
  );
}
