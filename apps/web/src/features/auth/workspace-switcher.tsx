import type { Me } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { markSignedIn, sessionQueryKey } from './session';

/**
 * The workspace this session acts in. Someone in several workspaces moves between them here: the
 * server ends this session and opens one in the other (a session acts in exactly one workspace),
 * and everything cached from the old one is forgotten.
 */
export function WorkspaceSwitcher({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const workspaces = useQuery(trpc.auth.workspaces.queryOptions(undefined, { staleTime: 60_000 }));
  const switchTo = useMutation(
    trpc.auth.switchWorkspace.mutationOptions({
      onSuccess: (next) => {
        queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionQueryKey[0] });
        markSignedIn(queryClient, next);
        navigate({ to: '/', replace: true });
      },
    }),
  );
  const choices = workspaces.data ?? [];
  if (choices.length < 2) {
    return (
      <span className="workspace-name" title="Workspace">
        {me.workspace.name}
      </span>
    );
  }
  return (
    <span className="workspace-switcher">
      <select
        aria-label="Workspace"
        className="workspace-name"
        value={me.workspace.id}
        disabled={switchTo.isPending}
        onChange={(event) => switchTo.mutate({ workspaceId: event.target.value })}
      >
        {choices.map((choice) => (
          <option key={choice.id} value={choice.id}>
            {choice.name}
          </option>
        ))}
      </select>
      {switchTo.error ? <ErrorMessage error={quarryErrorOf(switchTo.error)} /> : null}
    </span>
  );
}
