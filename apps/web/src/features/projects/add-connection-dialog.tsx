import { useQuery, useQueryClient } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { Dialog } from '../../ui/dialog';
import { QueryState } from '../../ui/query-state';
import { useToast } from '../../ui/toast';
import { useWorkspaceCan } from '../auth/workspace-capabilities';
import { ConnectionForm, type SavedConnection } from '../connections/connection-form';

type AddConnectionDialogProps = { projectId: string; projectName: string; onClose: () => void };

/**
 * "Add a data connection" from a project: the same generated form. Admins get "Share with
 * workspace" (on by default, as the seed says); everyone else creates a project connection.
 */
export function AddConnectionDialog({ projectId, projectName, onClose }: AddConnectionDialogProps) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const can = useWorkspaceCan();
  const kinds = useQuery(trpc.connections.kinds.queryOptions());
  const onSaved = async (saved: SavedConnection) => {
    toast(`${saved.name} added to ${projectName}`);
    onClose();
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.projects.get.queryKey({ projectId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() }),
    ]);
  };
  return (
    <Dialog title="Add a data connection" subtitle={projectName} onClose={onClose}>
      <QueryState query={kinds} loading="Loading database kinds…">
        {(list) => (
          <ConnectionForm
            kinds={list}
            mode={{ type: 'new-project', projectId, canShare: can?.manageConnections ?? false }}
            onSaved={onSaved}
          />
        )}
      </QueryState>
    </Dialog>
  );
}
