import type { ConnectionSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertDialog } from 'radix-ui';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';
import { useToast } from '../../ui/toast';
import { projectsCount } from './connection-labels';
import { UsageList } from './usage-list';

type DeleteConnectionProps = { connection: ConnectionSummary; onClose: () => void };

/**
 * Deleting shows every project that uses the connection first: it is removed from all of them,
 * their cells say so, and it cannot be undone.
 */
export function DeleteConnection({ connection, onClose }: DeleteConnectionProps) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const usage = useQuery(trpc.connections.usage.queryOptions({ connectionId: connection.id }));
  const remove = useMutation(
    trpc.connections.delete.mutationOptions({
      onSuccess: async (result) => {
        toast(
          result.removedFromProjects > 0
            ? `${connection.name} deleted and removed from ${projectsCount(result.removedFromProjects)}`
            : `${connection.name} deleted`,
        );
        onClose();
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() }),
        ]);
      },
    }),
  );
  return (
    <AlertDialog.Root open onOpenChange={(open) => (open ? undefined : onClose())}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog dialog-small">
          <div className="dialog-header">
            <AlertDialog.Title className="dialog-title">Delete {connection.name}?</AlertDialog.Title>
          </div>
          <div className="dialog-body">
            <AlertDialog.Description>
              It is removed from every project that uses it, and their cells will ask for another connection.
              This cannot be undone; the audit log keeps the record.
            </AlertDialog.Description>
            <h3 className="share-heading">Projects that use it</h3>
            <UsageList usage={usage} empty="No project uses it." />
            {remove.error ? <ErrorMessage error={quarryErrorOf(remove.error)} /> : null}
            <div className="dialog-actions">
              <AlertDialog.Cancel className="button button-quiet">Cancel</AlertDialog.Cancel>
              <button
                type="button"
                className="button button-danger"
                disabled={remove.isPending || usage.isPending}
                aria-busy={remove.isPending}
                onClick={() => remove.mutate({ connectionId: connection.id })}
              >
                {remove.isPending ? <Spinner /> : null}
                Yes, delete
              </button>
            </div>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
