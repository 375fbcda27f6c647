import type { CellKind, NotebookCell, ProjectWithLogic } from '@quarry/contracts';
import { Fragment, useMemo, useState } from 'react';
import { SqlCellView } from '../projects/sql-cell';
import { AddCellMenu } from './add-cell-menu';
import type { CellChanges } from './cell-changes';
import { isRunnable, upstreamLookup } from './graph-cells';
import { InputCellView } from './input-cell';
import { InputsBar } from './inputs-bar';
import { JsCellView } from './js-cell';
import { MarkdownCellView } from './markdown-cell';
import { createNotebookStore, NotebookContext, useNotebook, useNotebookStore } from './notebook-store';
import './notebook.css';

type NotebookProps = {
  project: ProjectWithLogic;
  /** Rename, move and delete; null where the caller may not change the notebook. */
  changes: CellChanges | null;
  /** Adds a cell of a kind after another (null: at the top); null where the caller may not. */
  onAdd: ((kind: CellKind, afterCellId: string | null) => Promise<void>) | null;
};

const byPosition = (cells: readonly NotebookCell[]): NotebookCell[] =>
  [...cells].sort((a, b) => a.position - b.position);

/**
 * A project's cells in order: SQL, JavaScript, inputs and text. The inputs bar above sets the
 * values runs use; Run all runs every SQL and JS cell in order. Cells reference only cells above
 * them, so running in order runs each after what it reads.
 */
export function Notebook({ project, changes, onAdd }: NotebookProps) {
  const [store] = useState(createNotebookStore);
  const cells = useMemo(() => byPosition(project.cells), [project.cells]);
  const editable = project.can.edit;
  // A renamed input keeps the value chosen for it in the inputs bar.
  const cellChanges = useMemo<CellChanges | null>(
    () =>
      changes && {
        ...changes,
        rename: async (cellId, name) => {
          const before = cells.find((cell) => cell.id === cellId);
          await changes.rename(cellId, name);
          if (before?.kind === 'input') store.renameInput(before.name, name);
        },
      },
    [changes, cells, store],
  );

  return (
    <NotebookContext.Provider value={store}>
      <div className="notebook" data-testid="notebook">
        <NotebookBar cells={cells} editable={editable} />
        {cells.length === 0 ? <p className="muted">This project has no cells yet.</p> : null}
        {onAdd ? <AddCellMenu afterCellId={null} where="at the top" onAdd={onAdd} /> : null}
        <div className="cells">
          {cells.map((cell, index) => (
            <Fragment key={cell.id}>
              <CellView project={project} cells={cells} cell={cell} index={index} changes={cellChanges} />
              {onAdd ? (
                <AddCellMenu afterCellId={cell.id} where={`after ${cell.name}`} onAdd={onAdd} />
              ) : null}
            </Fragment>
          ))}
        </div>
      </div>
    </NotebookContext.Provider>
  );
}

/** The inputs, and Run all while the notebook has more than one cell to run. */
function NotebookBar({ cells, editable }: { cells: readonly NotebookCell[]; editable: boolean }) {
  const store = useNotebookStore();
  const batch = useNotebook((state) => state.batch);
  const runnable = cells.filter(isRunnable);
  const hasInputs = cells.some((cell) => cell.kind === 'input');
  if (!hasInputs && runnable.length < 2) return null;

  const position = batch?.current ? batch.cellIds.indexOf(batch.current) : -1;
  const current = cells.find((cell) => cell.id === batch?.current);
  return (
    <div className="notebook-bar">
      <InputsBar cells={cells} />
      {editable && runnable.length > 1 ? (
        <div className="notebook-run">
          {batch ? (
            <>
              <span className="notebook-progress muted" role="status" data-testid="notebook-progress">
                <span className="pulse" aria-hidden="true" />
                {current ? `${position + 1} of ${batch.cellIds.length}: ${current.name}` : 'Starting…'}
              </span>
              <button type="button" className="button" onClick={() => void store.cancelBatch()}>
                Stop
              </button>
            </>
          ) : null}
          <button
            type="button"
            className="button button-primary"
            disabled={batch !== null}
            onClick={() =>
              void store.runInOrder(
                runnable.map((cell) => cell.id),
                upstreamLookup(cells, store.get().drafts),
              )
            }
          >
            Run all
          </button>
        </div>
      ) : null}
    </div>
  );
}

function CellView({
  project,
  cells,
  cell,
  index,
  changes,
}: {
  project: ProjectWithLogic;
  cells: readonly NotebookCell[];
  cell: NotebookCell;
  index: number;
  changes: CellChanges | null;
}) {
  const editable = project.can.edit;
  const label = `Cell ${index + 1}`;
  const frame = { label, index, total: cells.length, changes };
  switch (cell.kind) {
    case 'sql':
      return (
        <SqlCellView
          projectId={project.id}
          cell={cell}
          cells={cells}
          connections={project.connections}
          editable={editable}
          frame={frame}
        />
      );
    case 'js':
      return (
        <JsCellView projectId={project.id} cell={cell} cells={cells} editable={editable} frame={frame} />
      );
    case 'input':
      return (
        <InputCellView projectId={project.id} cell={cell} cells={cells} editable={editable} frame={frame} />
      );
    case 'markdown':
      return <MarkdownCellView projectId={project.id} cell={cell} editable={editable} frame={frame} />;
  }
}
