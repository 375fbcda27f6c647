import type { CellConnectionNote, ProjectWithLogic } from '@quarry/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';

/** Why a cell has no usable connection, in words. */
export const connectionNoteText = (note: CellConnectionNote): string => {
  switch (note.reason) {
    case 'connection_deleted':
      return `The data connection “${note.connectionName}” was deleted.`;
    case 'connection_removed':
      return `The data connection “${note.connectionName}” was removed from this project.`;
    case 'project_connections_disabled':
      return `“${note.connectionName}” is a project data connection, and Admins have switched those off for this workspace.`;
  }
};

type CellConnectionNoteViewProps = { note: CellConnectionNote; editable: boolean };

export function CellConnectionNoteView({ note, editable }: CellConnectionNoteViewProps) {
  return (
    <div
      className="cell-connection-note"
      role="note"
      data-testid="cell-connection-note"
      data-reason={note.reason}
    >
      <p className="notice-warning">{connectionNoteText(note)}</p>
      <p className="muted small">
        {editable
          ? 'Pick another connection for this cell above.'
          : 'Someone with Can edit on this project can pick another connection.'}
      </p>
    </div>
  );
}

type CellConnectionPickerProps = {
  projectId: string;
  cellId: string;
  cellLabel: string;
  connectionId: string | null;
  connections: ProjectWithLogic['connections'];
  /** The cell's SQL as it is now: saving the connection saves it too. */
  source: string;
  onSaved: (source: string) => void;
};

/** Which of the project's connections a cell queries, for those who may edit it. */
export function CellConnectionPicker({
  projectId,
  cellId,
  cellLabel,
  connectionId,
  connections,
  source,
  onSaved,
}: CellConnectionPickerProps) {
  const id = useId();
  const queryClient = useQueryClient();
  const update = useMutation(
    trpc.projects.updateCell.mutationOptions({
      onSuccess: async (_result, input) => {
        onSaved(input.source ?? source);
        await queryClient.invalidateQueries({ queryKey: trpc.projects.get.queryKey({ projectId }) });
      },
    }),
  );
  const current = connections.some((connection) => connection.id === connectionId)
    ? (connectionId ?? '')
    : '';
  return (
    <span className="cell-connection-picker">
      <label htmlFor={id} className="visually-hidden">
        Data connection for {cellLabel}
      </label>
      <select
        id={id}
        value={update.isPending && update.variables ? (update.variables.connectionId ?? '') : current}
        disabled={update.isPending}
        aria-busy={update.isPending}
        onChange={(event) =>
          update.mutate({ projectId, cellId, source, connectionId: event.target.value || null })
        }
        data-testid="cell-connection-picker"
      >
        <option value="">
          {connections.length === 0 ? 'No connection in this project' : 'Choose a connection…'}
        </option>
        {connections.map((connection) => (
          <option key={connection.id} value={connection.id}>
            {connection.name}
          </option>
        ))}
      </select>
      {update.isPending ? <Spinner /> : null}
      {update.error ? <ErrorMessage error={quarryErrorOf(update.error)} /> : null}
    </span>
  );
}
