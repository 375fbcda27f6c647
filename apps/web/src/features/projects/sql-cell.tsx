import type { ProjectWithLogic, SqlCell } from '@quarry/contracts';
import { useQuery } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { RunResults } from '../runs/run-results';
import { sqlErrorPositionOf } from '../runs/sql-position';
import { useRunStream } from '../runs/use-run-stream';
import { CellConnectionNoteView, CellConnectionPicker } from './cell-connection';
import { ConnectionLabel } from './connection-label';
import { sqlDialectFor } from './sql-dialect';
import { SqlEditor } from './sql-editor';
import { useSaveCell } from './use-save-cell';

type SqlCellViewProps = {
  projectId: string;
  cell: SqlCell;
  connections: ProjectWithLogic['connections'];
  editable: boolean;
  index: number;
};

/** One SQL cell: its connection, its SQL, a Run button and the streamed result. */
export function SqlCellView({ projectId, cell, connections, editable, index }: SqlCellViewProps) {
  const id = useId();
  const [source, setSource] = useState(cell.source);
  const { view, run, cancel } = useRunStream({ projectId, cellId: cell.id });
  const saving = useSaveCell({ projectId, cellId: cell.id, initialSource: cell.source });
  const busy = view.phase === 'queued' || view.phase === 'running';
  const kind = connections.find((connection) => connection.id === cell.connectionId)?.kind;
  const kinds = useQuery(trpc.connections.kinds.queryOptions());
  const declared = kinds.data?.find((candidate) => candidate.kind === kind)?.dialect;
  const dialect = useMemo(() => sqlDialectFor(declared), [declared]);
  const errorAt = useMemo(() => sqlErrorPositionOf(view.error, view.source), [view.error, view.source]);

  const runCell = () => {
    if (!editable) return;
    // runs.start saves the SQL into the cell before it runs, so what ran is what the cell shows.
    void run(source, () => saving.markSaved(source));
  };

  return (
    <article className="cell" data-cell-id={cell.id}>
      <div className="cell-toolbar">
        <h2 className="cell-title">Cell {index + 1}</h2>
        {editable ? (
          <CellConnectionPicker
            projectId={projectId}
            cellId={cell.id}
            cellLabel={`Cell ${index + 1}`}
            connectionId={cell.connectionId}
            connections={connections}
            source={source}
            onSaved={saving.markSaved}
          />
        ) : (
          <ConnectionLabel connectionId={cell.connectionId} connections={connections} />
        )}
        <span className="cell-save muted" aria-live="polite">
          {saving.status === 'pending' ? 'Saving…' : null}
        </span>
        <div className="cell-actions">
          <span className="shortcut muted" id={`${id}-shortcut`}>
            Ctrl/⌘ + Enter
          </span>
          {busy && editable ? (
            <button type="button" className="button" onClick={() => void cancel()}>
              Cancel
            </button>
          ) : null}
          <button
            type="button"
            className="button button-primary"
            onClick={runCell}
            disabled={!editable}
            aria-describedby={`${id}-shortcut`}
            data-running={busy ? 'true' : undefined}
          >
            Run
          </button>
        </div>
      </div>
      {cell.connectionNote ? <CellConnectionNoteView note={cell.connectionNote} editable={editable} /> : null}
      <SqlEditor
        value={source}
        onChange={setSource}
        onRun={runCell}
        onBlur={editable ? () => saving.save(source) : undefined}
        readOnly={!editable}
        describedBy={editable ? undefined : `${id}-readonly`}
        dialect={dialect}
        errorAt={errorAt}
        errorSource={view.source}
      />
      {editable ? null : (
        <p className="muted small" id={`${id}-readonly`}>
          Your permission on this project lets you read this SQL but not change or run it.
        </p>
      )}
      {saving.error ? <ErrorMessage error={quarryErrorOf(saving.error)} /> : null}
      <RunResults view={view} />
    </article>
  );
}
