import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmPrompt } from '../../ui/confirm-prompt';
import { ErrorMessage } from '../../ui/error-message';
import { PickForm } from '../../ui/pick-form';
import { quarryErrorOf } from '../../ui/quarry-error';
import '../connections/connections.css';

type ProjectSecretsProps = { projectId: string; projectName: string };

/**
 * The shared secrets a project imports, by name only, for Can edit holders: import one shared with
 * them, or remove one. Values never reach the page.
 */
export function ProjectSecrets({ projectId, projectName }: ProjectSecretsProps) {
  const id = useId();
  const queryClient = useQueryClient();
  const imported = useQuery(trpc.secrets.forProject.queryOptions({ projectId }));
  const available = useQuery(trpc.secrets.list.queryOptions());
  const [chosen, setChosen] = useState('');
  const [removing, setRemoving] = useState<{ id: string; name: string } | null>(null);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.secrets.forProject.queryKey({ projectId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.secrets.list.queryKey() }),
    ]);
  const importIt = useMutation(
    trpc.secrets.importIntoProject.mutationOptions({
      onSuccess: () => {
        setChosen('');
        return refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.secrets.removeFromProject.mutationOptions({
      onSuccess: () => {
        setRemoving(null);
        return refresh();
      },
    }),
  );
  const inProject = new Set((imported.data ?? []).map((secret) => secret.id));
  const candidates = (available.data ?? []).filter((secret) => !inProject.has(secret.id));

  return (
    <div className="project-secrets">
      <div className="project-connections-head">
        <h2 id={`${id}-title`}>Secrets</h2>
        {candidates.length > 0 ? (
          <PickForm
            id={`${id}-secret`}
            label="Secret to import"
            placeholder="Import a secret…"
            options={candidates.map((secret) => ({ value: secret.id, label: secret.name }))}
            value={chosen}
            onChange={(secretId) => {
              importIt.reset();
              setChosen(secretId);
            }}
            action="Import"
            pending={importIt.isPending}
            onPick={(secretId) => importIt.mutate({ projectId, secretId })}
          />
        ) : null}
      </div>
      {imported.error ? <ErrorMessage error={quarryErrorOf(imported.error)} /> : null}
      {imported.data && imported.data.length === 0 ? (
        <p className="muted small">No secret imported.</p>
      ) : (
        <ul
          className="project-connections-list project-secrets-list"
          aria-labelledby={`${id}-title`}
          data-testid="project-secrets"
        >
          {imported.data?.map((secret) => (
            <li key={secret.id} className="connection">
              <span className="secret-name">{secret.name}</span>
              <button
                type="button"
                className="link-button small"
                aria-label={`Remove ${secret.name} from this project`}
                onClick={() => {
                  remove.reset();
                  setRemoving(secret);
                }}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {importIt.error ? <ErrorMessage error={quarryErrorOf(importIt.error)} /> : null}
      {removing ? (
        <ConfirmPrompt
          question={`Remove ${removing.name} from ${projectName}? Code here that reads it stops working.`}
          confirmLabel="Yes, remove"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate({ projectId, secretId: removing.id })}
          onCancel={() => setRemoving(null)}
        />
      ) : null}
    </div>
  );
}
