import type { ConnectionSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { ListTable } from '../../ui/list-table';
import { quarryErrorOf } from '../../ui/quarry-error';
import { QueryState } from '../../ui/query-state';
import { useToast } from '../../ui/toast';
import { ConnectionDialog } from './connection-dialog';
import { SCOPE_LABELS, TIER_HELP, tierLabel } from './connection-labels';
import { ConnectionRowMenu } from './connection-row-menu';
import { DeleteConnection } from './delete-connection';
import { ProjectConnectionsSwitch } from './project-connections-switch';
import { UsageCell, UsageDialog } from './usage-list';
import './connections.css';

type Open =
  | { type: 'edit'; connectionId: string | null; tab: 'settings' | 'permissions' }
  | { type: 'delete'; connection: ConnectionSummary }
  | { type: 'usage'; connection: ConnectionSummary }
  | null;

function ConnectionUsage({ connection, onClose }: { connection: ConnectionSummary; onClose: () => void }) {
  const usage = useQuery(trpc.connections.usage.queryOptions({ connectionId: connection.id }));
  return (
    <UsageDialog
      name={connection.name}
      usage={usage}
      empty="No project uses this connection yet."
      onClose={onClose}
    />
  );
}

const COLUMNS = ['Name', 'Kind', 'Scope', 'Usage'] as const;

/** Settings → Data sources: the workspace's connections, and the switch for project connections. */
export function DataSourcesPage() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const connections = useQuery(trpc.connections.list.queryOptions());
  const [open, setOpen] = useState<Open>(null);
  const setDefault = useMutation(
    trpc.connections.setDefault.mutationOptions({
      onSuccess: async (_result, input) => {
        const name = connections.data?.find((connection) => connection.id === input.connectionId)?.name;
        toast(`${name ?? 'The connection'} is now the default for new SQL cells`);
        await queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() });
      },
    }),
  );
  const close = () => setOpen(null);

  return (
    <section aria-labelledby="data-sources-title" className="settings-section">
      <div className="page-header">
        <h1 id="data-sources-title">Data sources</h1>
        <div className="page-actions">
          <button
            type="button"
            className="button button-primary"
            onClick={() => setOpen({ type: 'edit', connectionId: null, tab: 'settings' })}
          >
            + Connection
          </button>
        </div>
      </div>
      <p className="muted lead">
        Workspace connections are set up once, with central credentials, and shared with the groups you
        choose. Credentials are encrypted and never shown again.
      </p>
      <ProjectConnectionsSwitch />
      {setDefault.error ? <ErrorMessage error={quarryErrorOf(setDefault.error)} /> : null}
      <QueryState
        query={connections}
        loading="Loading data connections…"
        isEmpty={(data) => data.length === 0}
        empty={
          <div className="empty">
            <p>No data connection yet.</p>
            <p className="muted">Add one with + Connection to query your database.</p>
          </div>
        }
      >
        {(data) => (
          <ListTable columns={COLUMNS} testId="connections" className="connections-table">
            {data.map((connection) => (
              <tr key={connection.id} data-testid="connection-row" data-connection-id={connection.id}>
                <th scope="row">
                  <span className="connection-name">{connection.name}</span>
                  {connection.isDefault ? (
                    <span className="badge badge-accent badge-inline">Default</span>
                  ) : null}
                  {connection.status === 'draft' ? (
                    <span className="badge badge-inline badge-draft">Draft</span>
                  ) : null}
                  {connection.unavailable ? (
                    <p className="small connection-unavailable" data-code={connection.unavailable.code}>
                      {connection.unavailable.message}
                    </p>
                  ) : null}
                </th>
                <td>
                  <span className="nowrap">{connection.kindLabel}</span>{' '}
                  <span className="badge badge-tier" title={TIER_HELP[connection.tier]}>
                    {tierLabel(connection.tier)}
                  </span>
                </td>
                <td>
                  {SCOPE_LABELS[connection.scope]}
                  {connection.project ? (
                    <>
                      {': '}
                      <Link to="/projects/$projectId" params={{ projectId: connection.project.id }}>
                        {connection.project.name}
                      </Link>
                    </>
                  ) : null}
                </td>
                <UsageCell
                  count={connection.usageCount}
                  onOpen={() => setOpen({ type: 'usage', connection })}
                />
                <td className="row-actions">
                  {connection.canManage ? (
                    <ConnectionRowMenu
                      connection={connection}
                      onEdit={() => setOpen({ type: 'edit', connectionId: connection.id, tab: 'settings' })}
                      onPermissions={() =>
                        setOpen({ type: 'edit', connectionId: connection.id, tab: 'permissions' })
                      }
                      onSetDefault={() => setDefault.mutate({ connectionId: connection.id })}
                      onDelete={() => setOpen({ type: 'delete', connection })}
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </QueryState>
      {open?.type === 'edit' ? (
        <ConnectionDialog connectionId={open.connectionId} initialTab={open.tab} onClose={close} />
      ) : null}
      {open?.type === 'delete' ? <DeleteConnection connection={open.connection} onClose={close} /> : null}
      {open?.type === 'usage' ? <ConnectionUsage connection={open.connection} onClose={close} /> : null}
    </section>
  );
}
