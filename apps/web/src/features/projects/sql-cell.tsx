import type { NotebookCell, ProjectWithLogic, SqlCell } from '@quarry/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useId, useMemo } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { CellFrame, type CellFrameProps } from '../notebook/cell-frame';
import { CellRunActions } from '../notebook/cell-run-actions';
import { namesAbove, sqlReferencesTo } from '../notebook/names-above';
import { useCellRun } from '../notebook/use-cell-run';
import { useCellSource } from '../notebook/use-cell-source';
import { RunResults } from '../runs/run-results';
import { sqlErrorPositionOf } from '../runs/sql-position';
import { schemaQueries } from '../schema-browser/schema-api';
import { CellConnectionNoteView, CellConnectionPicker } from './cell-connection';
import { ConnectionLabel } from './connection-label';
import type { SchemaLookup } from './schema-completion';
import { sqlDialectFor } from './sql-dialect';
import { SqlEditor } from './sql-editor';
import { useSaveCell } from './use-save-cell';

type SqlCellViewProps = {
  projectId: string;
  cell: SqlCell;
  cells: readonly NotebookCell[];
  connections: ProjectWithLogic['connections'];
  editable: boolean;
  frame: Omit<CellFrameProps, 'cell' | 'children' | 'kindLabel' | 'stale'>;
};

/** One SQL cell: its connection, its SQL (inputs it reads marked), Run and Cancel, and the streamed result. */
export function SqlCellView({ projectId, cell, cells, connections, editable, frame }: SqlCellViewProps) {
  const id = useId();
  const [source, edit] = useCellSource(cell.id, cell.source);
  const saving = useSaveCell({ projectId, cellId: cell.id, initialSource: cell.source });
  const { view, run, cancel, stale } = useCellRun({
    projectId,
    cell,
    cells,
    editable,
    // runs.start saves the SQL into the cell before it runs, so what ran is what the cell shows.
    onStarted: saving.markSaved,
  });
  const kind = connections.find((connection) => connection.id === cell.connectionId)?.kind;
  const kinds = useQuery(trpc.connections.kinds.queryOptions());
  const declared = kinds.data?.find((candidate) => candidate.kind === kind)?.dialect;
  const dialect = useMemo(() => sqlDialectFor(declared), [declared]);
  const queryClient = useQueryClient();
  const inputs = useMemo(() => sqlReferencesTo(namesAbove(cells, cell.id)), [cells, cell.id]);
  const { connectionId } = cell;
  const schemaLookup = useCallback<SchemaLookup>(
    async (word) => {
      if (!connectionId) return [];
      const found = await queryClient.fetchQuery(schemaQueries.search({ connectionId, projectId, q: word }));
      return found.hits;
    },
    [queryClient, connectionId, projectId],
  );
  const errorAt = useMemo(
    () => sqlErrorPositionOf(view.error, view.source, declared ?? 'postgresql'),
    [view.error, view.source, declared],
  );

  const runCell = () => {
    if (editable) void run();
  };

  return (
    <CellFrame {...frame} cell={cell} kindLabel="SQL" stale={stale} sqlCell>
      <div className="cell-toolbar">
        {editable ? (
          <CellConnectionPicker
            projectId={projectId}
            cellId={cell.id}
            cellLabel={cell.name}
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
      {cell.connectionNote ? <CellConnectionNoteView note={cell.connectionNote} editable={editable} /> : null}
      <SqlEditor
        value={source}
        onChange={edit}
        onRun={runCell}
        onBlur={editable ? () => saving.save(source) : undefined}
        readOnly={!editable}
        describedBy={editable ? undefined : `${id}-readonly`}
        dialect={dialect}
        errorAt={errorAt}
        errorSource={view.source}
        schemaLookup={editable && connectionId ? schemaLookup : null}
        inputs={inputs}
      />
      {editable ? null : (
        <p className="muted small" id={`${id}-readonly`}>
          Your permission on this project lets you read this SQL but not change or run it.
        </p>
      )}
      {saving.error ? <ErrorMessage error={quarryErrorOf(saving.error)} /> : null}
      <RunResults view={view} dialect={declared ?? 'postgresql'} />
    </CellFrame>
  );
}
