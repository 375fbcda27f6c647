import type { GroupSummary, SecretSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ListTable } from '../../ui/list-table';
import { QueryState } from '../../ui/query-state';
import { useToast } from '../../ui/toast';
import { deletedMessage } from '../connections/connection-labels';
import { groupName } from '../connections/group-checklist';
import { DeleteUsedAsset, UsageCell, UsageDialog } from '../connections/usage-list';
import { SecretDialog } from './secret-dialog';
import '../connections/connections.css';

type Open =
  | { type: 'edit'; secret: SecretSummary | null }
  | { type: 'delete'; secret: SecretSummary }
  | { type: 'usage'; secret: SecretSummary }
  | null;

function DeleteSecret({ secret, onClose }: { secret: SecretSummary; onClose: () => void }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const usage = useQuery(trpc.secrets.usage.queryOptions({ secretId: secret.id }));
  const remove = useMutation(
    trpc.secrets.delete.mutationOptions({
      onSuccess: async (result) => {
        toast(deletedMessage(secret.name, result.removedFromProjects));
        onClose();
        await queryClient.invalidateQueries({ queryKey: trpc.secrets.list.queryKey() });
      },
    }),
  );
  return (
    <DeleteUsedAsset
      name={secret.name}
      description={
        <>
          It is removed from every project that imports it; code there that reads it stops working. This
          cannot be undone.
        </>
      }
      usage={usage}
      remove={remove}
      onConfirm={() => remove.mutate({ secretId: secret.id })}
      onClose={onClose}
    />
  );
}

function SecretUsage({ secret, onClose }: { secret: SecretSummary; onClose: () => void }) {
  const usage = useQuery(trpc.secrets.usage.queryOptions({ secretId: secret.id }));
  return (
    <UsageDialog
      name={secret.name}
      usage={usage}
      empty="No project imports this secret yet."
      onClose={onClose}
    />
  );
}

const COLUMNS = ['Name', 'Groups with access', 'Usage'] as const;

const groupsText = (groups: readonly GroupSummary[], ids: readonly string[]) =>
  ids.map((id) => groupName(groups, id)).join(', ');

/** Settings → Secrets: shared secrets, the groups that may import them, and where they are used. */
export function SecretsPage() {
  const secrets = useQuery(trpc.secrets.list.queryOptions());
  const groups = useQuery(trpc.groups.list.queryOptions());
  const [open, setOpen] = useState<Open>(null);
  const close = () => setOpen(null);
  return (
    <section aria-labelledby="secrets-title" className="settings-section">
      <div className="page-header">
        <h1 id="secrets-title">Secrets</h1>
        <div className="page-actions">
          <button
            type="button"
            className="button button-primary"
            onClick={() => setOpen({ type: 'edit', secret: null })}
          >
            + Secret
          </button>
        </div>
      </div>
      <p className="muted lead">
        API keys and passwords your projects’ code needs, encrypted and shared with the groups you choose.
        Values are never shown after they are saved.
      </p>
      <QueryState
        query={secrets}
        loading="Loading secrets…"
        isEmpty={(data) => data.length === 0}
        empty={
          <div className="empty">
            <p>No secret yet.</p>
            <p className="muted">Add one with + Secret; editors then import it into their projects.</p>
          </div>
        }
      >
        {(data) => (
          <ListTable columns={COLUMNS} testId="secrets">
            {data.map((secret) => (
              <tr key={secret.id} data-testid="secret-row">
                <th scope="row" className="secret-name">
                  {secret.name}
                </th>
                <td>{groupsText(groups.data ?? [], secret.groupsWithAccess)}</td>
                <UsageCell count={secret.usageCount} onOpen={() => setOpen({ type: 'usage', secret })} />
                <td className="row-actions">
                  {secret.canManage ? (
                    <span className="row-buttons">
                      <button
                        type="button"
                        className="button button-quiet"
                        onClick={() => setOpen({ type: 'edit', secret })}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        className="button button-quiet"
                        onClick={() => setOpen({ type: 'delete', secret })}
                      >
                        Delete
                      </button>
                    </span>
                  ) : null}
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </QueryState>
      {open?.type === 'edit' ? <SecretDialog secret={open.secret} onClose={close} /> : null}
      {open?.type === 'delete' ? <DeleteSecret secret={open.secret} onClose={close} /> : null}
      {open?.type === 'usage' ? <SecretUsage secret={open.secret} onClose={close} /> : null}
    </section>
  );
}
