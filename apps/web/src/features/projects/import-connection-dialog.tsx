import type { ProjectWithLogic } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog } from '../../ui/dialog';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { QueryState } from '../../ui/query-state';
import { SubmitButton } from '../../ui/submit-button';
import { useToast } from '../../ui/toast';

type ImportConnectionDialogProps = { project: ProjectWithLogic; onClose: () => void };

/**
 * Import a workspace connection into the project. The list is what the server lists for the
 * caller; whether they may use one is the server's answer when they import it.
 */
export function ImportConnectionDialog({ project, onClose }: ImportConnectionDialogProps) {
  const id = useId();
  const queryClient = useQueryClient();
  const toast = useToast();
  const connections = useQuery(trpc.connections.list.queryOptions());
  const [chosen, setChosen] = useState('');
  const imported = new Set(project.connections.map((connection) => connection.id));
  const importIt = useMutation(
    trpc.connections.importIntoProject.mutationOptions({
      onSuccess: async () => {
        const name =
          connections.data?.find((connection) => connection.id === chosen)?.name ?? 'The connection';
        toast(`${name} imported into ${project.name}`);
        onClose();
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.projects.get.queryKey({ projectId: project.id }) }),
          queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() }),
        ]);
      },
    }),
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (importIt.isPending || !chosen) return;
    importIt.mutate({ projectId: project.id, connectionId: chosen });
  };
  return (
    <Dialog title="Import a data connection" subtitle={project.name} onClose={onClose}>
      <QueryState query={connections} loading="Loading workspace connections…">
        {(list) => {
          const candidates = list.filter(
            (connection) =>
              connection.scope === 'workspace' &&
              connection.status === 'ready' &&
              connection.unavailable === null &&
              !imported.has(connection.id),
          );
          if (candidates.length === 0)
            return (
              <p className="muted">Every workspace connection you can use is already in this project.</p>
            );
          return (
            <form className="connection-form" onSubmit={submit} noValidate>
              <div className="field">
                <label htmlFor={`${id}-connection`}>Workspace connection</label>
                <select
                  id={`${id}-connection`}
                  value={chosen}
                  onChange={(event) => {
                    importIt.reset();
                    setChosen(event.target.value);
                  }}
                >
                  <option value="">Choose a connection…</option>
                  {candidates.map((connection) => (
                    <option key={connection.id} value={connection.id}>
                      {connection.name} ({connection.kindLabel})
                    </option>
                  ))}
                </select>
              </div>
              {importIt.error ? <ErrorMessage error={quarryErrorOf(importIt.error)} /> : null}
              <div className="form-actions">
                <SubmitButton pending={importIt.isPending}>Import</SubmitButton>
              </div>
            </form>
          );
        }}
      </QueryState>
    </Dialog>
  );
}
