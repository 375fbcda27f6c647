import type { ApiTokenSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { ConfirmedAction } from '../../ui/confirmed-action';
import { DataTable, dataColumns } from '../../ui/data-table';
import { formatDate, formatDateTime } from '../../ui/format';
import { QueryState } from '../../ui/query-state';
import { useToast } from '../../ui/toast';

function RevokeToken({ token }: { token: ApiTokenSummary }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: () => {
        toast(`Token “${token.name}” revoked`);
        return queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
      },
    }),
  );
  return (
    <ConfirmedAction
      label="Revoke"
      question={`Revoke “${token.name}”? Scripts using it stop working.`}
      confirmLabel="Yes, revoke"
      action={{ ...revoke, mutate: () => revoke.mutate({ tokenId: token.id }) }}
    />
  );
}

const column = dataColumns<ApiTokenSummary>();
const COLUMNS = column.columns([
  column.accessor('name', { header: 'Name', meta: { rowHeader: true } }),
  column.accessor('prefix', {
    header: 'Token',
    enableSorting: false,
    size: 140,
    cell: (info) => <span className="mono">{info.getValue()}…</span>,
  }),
  column.accessor('createdAt', { header: 'Created', size: 130, cell: (info) => formatDate(info.getValue()) }),
  column.accessor('expiresAt', { header: 'Expires', size: 130, cell: (info) => formatDate(info.getValue()) }),
  // Never used sorts last, whichever way.
  column.accessor((token) => token.lastUsedAt ?? undefined, {
    id: 'lastUsedAt',
    header: 'Last used',
    sortUndefined: 'last',
    cell: (info) => {
      const at = info.getValue();
      return at ? formatDateTime(at) : <span className="muted">Never</span>;
    },
  }),
  column.display({
    id: 'actions',
    header: () => <span className="visually-hidden">Actions</span>,
    size: 260,
    cell: (info) => <RevokeToken token={info.row.original} />,
  }),
]);

export function TokenList() {
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  return (
    <QueryState
      query={tokens}
      loading="Loading tokens…"
      isEmpty={(data) => data.length === 0}
      empty={<p>You have no API tokens. Create one above to use the Quarry SDK.</p>}
    >
      {(data) => (
        <DataTable
          data={data}
          columns={COLUMNS}
          label="API tokens"
          testId="tokens"
          getRowId={(token) => token.id}
          rowAttributes={(token) => ({ 'data-token-id': token.id })}
        />
      )}
    </QueryState>
  );
}
