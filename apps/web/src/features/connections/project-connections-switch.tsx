import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';
import { useToast } from '../../ui/toast';

/** The workspace switch for project data connections (Admins): off, existing ones stop working. */
export function ProjectConnectionsSwitch() {
  const id = useId();
  const queryClient = useQueryClient();
  const toast = useToast();
  const setting = useQuery(trpc.connections.projectConnectionsSetting.queryOptions());
  const change = useMutation(
    trpc.connections.setProjectConnectionsEnabled.mutationOptions({
      onSuccess: async (next) => {
        toast(next.enabled ? 'Project data connections allowed' : 'Project data connections switched off');
        queryClient.setQueryData(trpc.connections.projectConnectionsSetting.queryKey(), next);
        await queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() });
      },
    }),
  );
  if (!setting.data) return null;
  const checked = change.isPending && change.variables ? change.variables.enabled : setting.data.enabled;
  return (
    <div className="connection-switch">
      <div className="switch-row">
        <input
          id={id}
          type="checkbox"
          role="switch"
          aria-checked={checked}
          className="switch"
          checked={checked}
          disabled={change.isPending}
          aria-busy={change.isPending}
          aria-describedby={`${id}-help`}
          onChange={(event) => change.mutate({ enabled: event.target.checked })}
        />
        <div>
          <label htmlFor={id}>Allow project data connections {change.isPending ? <Spinner /> : null}</label>
          <p className="field-help muted" id={`${id}-help`}>
            Editors and Managers may connect a database to one project of theirs. Switched off, existing
            project connections stop working and their cells say why.
          </p>
        </div>
      </div>
      {change.error ? <ErrorMessage error={quarryErrorOf(change.error)} /> : null}
    </div>
  );
}
