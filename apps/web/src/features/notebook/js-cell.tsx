import type { JsCell, NotebookCell } from '@quarry/contracts';
import { useId, useMemo } from 'react';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { JsEditor } from '../projects/js-editor';
import { useSaveCell } from '../projects/use-save-cell';
import { RunResults } from '../runs/run-results';
import { CellFrame, type CellFrameProps } from './cell-frame';
import { CellRunActions } from './cell-run-actions';
import { namesAbove } from './names-above';
import { useCellRun } from './use-cell-run';
import { useCellSource } from './use-cell-source';

type JsCellViewProps = {
  projectId: string;
  cell: JsCell;
  cells: readonly NotebookCell[];
  editable: boolean;
  frame: Omit<CellFrameProps, 'cell' | 'children' | 'kindLabel' | 'stale'>;
};

/**
 * A JS cell: the body of an async function that reads earlier cells and inputs by name and returns
 * a table (shown in the results table) or a value (shown as JSON).
 */
export function JsCellView({ projectId, cell, cells, editable, frame }: JsCellViewProps) {
  const id = useId();
  const [source, edit] = useCellSource(cell.id, cell.source);
  const names = useMemo(() => namesAbove(cells, cell.id), [cells, cell.id]);
  const saving = useSaveCell({ projectId, cellId: cell.id, initialSource: cell.source });
  const { view, run, cancel, stale } = useCellRun({
    projectId,
    cell,
    cells,
    editable,
    onStarted: saving.markSaved,
  });

  const runCell = () => {
    if (editable) void run();
  };

  return (
    <CellFrame {...frame} cell={cell} kindLabel="JavaScript" stale={stale}>
      <div className="cell-toolbar">
        <p className="cell-hint muted small" id={`${id}-hint`}>
          Earlier cells and inputs are in scope by name; return rows or a value.
        </p>
        <span className="cell-save muted" aria-live="polite">
          {saving.status === 'pending' ? 'Saving…' : null}
        </span>
        <CellRunActions
          cellId={cell.id}
          cells={cells}
          view={view}
          editable={editable}
          shortcutId={`${id}-shortcut`}
          onRun={runCell}
          onCancel={() => void cancel()}
        />
      </div>
      <JsEditor
        value={source}
        onChange={edit}
        onRun={runCell}
        onBlur={editable ? () => saving.save(source) : undefined}
        readOnly={!editable}
        describedBy={`${id}-hint`}
        names={names}
      />
      {saving.error ? <ErrorMessage error={quarryErrorOf(saving.error)} /> : null}
      <RunResults view={view} dialect={null} />
    </CellFrame>
  );
}
