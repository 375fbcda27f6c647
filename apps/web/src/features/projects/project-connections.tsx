import type { ConnectionSummary, ProjectWithLogic } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmPrompt } from '../../ui/confirm-prompt';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { ConnectionDialog } from '../connections/connection-dialog';
import { DeleteConnection } from '../connections/delete-connection';
import { AddConnectionDialog } from './add-connection-dialog';
import { ImportConnectionDialog } from './import-connection-dialog';
import { ProjectSecrets } from './project-secrets';
import '../connections/connections.css';

/**
 * The project's data connections, and for Can edit holders the two ways to get one: create it
 * here ("Add a data connection") or import a workspace connection.
 */
export function ProjectConnections({ project }: { project: ProjectWithLogic }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<
    | { type: 'add' | 'import' }
    | { type: 'edit'; connectionId: string }
    | { type: 'delete'; connection: ConnectionSummary }
    | null
  >(null);
  // What the caller may do with each connection (edit and delete their project's own), as the server says.
  const summaries = useQuery({ ...trpc.connections.list.queryOptions(), enabled: project.can.edit });
  const ownConnection = (id: string) =>
    summaries.data?.find((summary) => summary.id === id && summary.scope === 'project' && summary.canManage);
  const [removing, setRemoving] = useState<{ id: string; name: string } | null>(null);
  const remove = useMutation(
    trpc.connections.removeFromProject.mutationOptions({
      onSuccess: () => {
        setRemoving(null);
        return Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.projects.get.queryKey({ projectId: project.id }) }),
          queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() }),
        ]);
      },
    }),
  );
  const editable = project.can.edit;
  const close = () => {
    setOpen(null);
    void queryClient.invalidateQueries({ queryKey: trpc.projects.get.queryKey({ projectId: project.id }) });
  };
  return (
    <section className="project-connections" aria-labelledby="project-connections-title">
      <div className="project-connections-head">
        <h2 id="project-connections-title">Data connections</h2>
        {editable ? (
          <span className="row-buttons">
            <button type="button" className="button" onClick={() => setOpen({ type: 'add' })}>
              Add a data connection
            </button>
            <button type="button" className="button button-quiet" onClick={() => setOpen({ type: 'import' })}>
              Import a connection
            </button>
          </span>
        ) : null}
      </div>
      {project.connections.length === 0 ? (
        <p className="muted small">
          No data connection yet{editable ? ': add or import one to query a database.' : '.'}
        </p>
      ) : (
        <ul className="project-connections-list" data-testid="project-connections">
          {project.connections.map((connection) => (
            <li key={connection.id} className="connection" data-connection-id={connection.id}>
              <span className="connection-dot" aria-hidden="true" />
              {connection.name}
              <span className="connection-kind">{connection.kind}</span>
              <ConnectionActions
                editable={editable}
                name={connection.name}
                own={ownConnection(connection.id)}
                onEdit={() => setOpen({ type: 'edit', connectionId: connection.id })}
                onDelete={(summary) => setOpen({ type: 'delete', connection: summary })}
                onRemove={() => {
                  remove.reset();
                  setRemoving(connection);
                }}
              />
            </li>
          ))}
        </ul>
      )}
      {removing ? (
        <ConfirmPrompt
          question={`Remove ${removing.name} from ${project.name}? Cells that use it will ask for another connection.`}
          confirmLabel="Yes, remove"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate({ projectId: project.id, connectionId: removing.id })}
          onCancel={() => setRemoving(null)}
        />
      ) : remove.error ? (
        <ErrorMessage error={quarryErrorOf(remove.error)} />
      ) : null}
      {editable ? <ProjectSecrets projectId={project.id} projectName={project.name} /> : null}
      {open?.type === 'add' ? (
        <AddConnectionDialog projectId={project.id} projectName={project.name} onClose={close} />
      ) : null}
      {open?.type === 'import' ? <ImportConnectionDialog project={project} onClose={close} /> : null}
      {open?.type === 'edit' ? <ConnectionDialog connectionId={open.connectionId} onClose={close} /> : null}
      {open?.type === 'delete' ? <DeleteConnection connection={open.connection} onClose={close} /> : null}
    </section>
  );
}

type ConnectionActionsProps = {
  editable: boolean;
  name: string;
  /** The project's own connection, when the caller may manage it. */
  own: ConnectionSummary | undefined;
  onEdit: () => void;
  onDelete: (connection: ConnectionSummary) => void;
  onRemove: () => void;
};

/** A project connection is edited or deleted here; a workspace connection is only removed from the project. */
function ConnectionActions({ editable, name, own, onEdit, onDelete, onRemove }: ConnectionActionsProps) {
  if (!editable) return null;
  if (own) {
    return (
      <>
        <button type="button" className="link-button small" aria-label={`Edit ${name}`} onClick={onEdit}>
          Edit
        </button>
        <button
          type="button"
          className="link-button small"
          aria-label={`Delete ${name}`}
          onClick={() => onDelete(own)}
        >
          Delete
        </button>
      </>
    );
  }
  return (
    <button
      type="button"
      className="link-button small"
      aria-label={`Remove ${name} from this project`}
      onClick={onRemove}
    >
      Remove
    </button>
  );
}
