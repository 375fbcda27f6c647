import type { GroupSummary, SecretSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertDialog } from 'radix-ui';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog } from '../../ui/dialog';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { QueryState } from '../../ui/query-state';
import { Spinner } from '../../ui/spinner';
import { useToast } from '../../ui/toast';
import { projectsCount } from '../connections/connection-labels';
import { groupName } from '../connections/group-checklist';
import { UsageList } from '../connections/usage-list';
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
        toast(
          result.removedFromProjects > 0
            ? `${secret.name} deleted and removed from ${projectsCount(result.removedFromProjects)}`
            : `${secret.name} deleted`,
        );
        onClose();
        await queryClient.invalidateQueries({ queryKey: trpc.secrets.list.queryKey() });
      },
    }),
  );
  return (
    <AlertDialog.Root open onOpenChange={(open) => (open ? undefined : onClose())}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog dialog-small">
          <div className="dialog-header">
            <AlertDialog.Title className="dialog-title">Delete {secret.name}?</AlertDialog.Title>
          </div>
          <div className="dialog-body">
            <AlertDialog.Description>
              It is removed from every project that imports it; code there that reads it stops working. This
              cannot be undone.
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
                onClick={() => remove.mutate({ secretId: secret.id })}
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

function UsageDialog({ secret, onClose }: { secret: SecretSummary; onClose: () => void }) {
  const usage = useQuery(trpc.secrets.usage.queryOptions({ secretId: secret.id }));
  return (
    <Dialog title="Projects that use it" subtitle={secret.name} onClose={onClose}>
      <UsageList usage={usage} empty="No project imports this secret yet." />
    </Dialog>
  );
}

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
          <div className="table-scroll">
            <table className="data-table" data-testid="secrets">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Groups with access</th>
                  <th scope="col">Usage</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.map((secret) => (
                  <tr key={secret.id} data-testid="secret-row">
                    <th scope="row" className="secret-name">
                      {secret.name}
                    </th>
                    <td>{groupsText(groups.data ?? [], secret.groupsWithAccess)}</td>
                    <td>
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => setOpen({ type: 'usage', secret })}
                      >
                        {projectsCount(secret.usageCount)}
                      </button>
                    </td>
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
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      {open?.type === 'edit' ? <SecretDialog secret={open.secret} onClose={close} /> : null}
      {open?.type === 'delete' ? <DeleteSecret secret={open.secret} onClose={close} /> : null}
      {open?.type === 'usage' ? <UsageDialog secret={open.secret} onClose={close} /> : null}
    </section>
  );
}
