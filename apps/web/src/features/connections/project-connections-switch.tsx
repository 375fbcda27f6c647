import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Switch } from '../../ui/switch';
import { useToast } from '../../ui/toast';

/** The workspace switch for project data connections (Admins): off, existing ones stop working. */
export function ProjectConnectionsSwitch() {
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
      <Switch
        label="Allow project data connections"
        help="Editors and Managers may connect a database to one project of theirs. Switched off, existing project connections stop working and their cells say why."
        checked={checked}
        busy={change.isPending}
        onChange={(enabled) => change.mutate({ enabled })}
      />
      {change.error ? <ErrorMessage error={quarryErrorOf(change.error)} /> : null}
    </div>
  );
}
