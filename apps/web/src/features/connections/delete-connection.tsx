import type { ConnectionSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { useToast } from '../../ui/toast';
import { deletedMessage } from './connection-labels';
import { DeleteUsedAsset } from './usage-list';

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
        toast(deletedMessage(connection.name, result.removedFromProjects));
        onClose();
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() }),
        ]);
      },
    }),
  );
  return (
    <DeleteUsedAsset
      name={connection.name}
      description={
        <>
          It is removed from every project that uses it, and their cells will ask for another connection. This
          cannot be undone; the audit log keeps the record.
        </>
      }
      usage={usage}
      remove={remove}
      onConfirm={() => remove.mutate({ connectionId: connection.id })}
      onClose={onClose}
    />
  );
}
