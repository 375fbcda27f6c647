import type { ProjectWithLogic } from '@quarry/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmPrompt } from '../../ui/confirm-prompt';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
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
  const [open, setOpen] = useState<'add' | 'import' | null>(null);
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
  return (
    <section className="project-connections" aria-labelledby="project-connections-title">
      <div className="project-connections-head">
        <h2 id="project-connections-title">Data connections</h2>
        {editable ? (
          <span className="row-buttons">
            <button type="button" className="button" onClick={() => setOpen('add')}>
              Add a data connection
            </button>
            <button type="button" className="button button-quiet" onClick={() => setOpen('import')}>
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
              {editable ? (
                <button
                  type="button"
                  className="link-button small"
                  aria-label={`Remove ${connection.name} from this project`}
                  onClick={() => {
                    remove.reset();
                    setRemoving(connection);
                  }}
                >
                  Remove
                </button>
              ) : null}
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
      {open === 'add' ? (
        <AddConnectionDialog
          projectId={project.id}
          projectName={project.name}
          onClose={() => setOpen(null)}
        />
      ) : null}
      {open === 'import' ? <ImportConnectionDialog project={project} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}
