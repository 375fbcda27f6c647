import type { InviteSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { ConfirmedAction } from '../../ui/confirmed-action';
import { DataTable, dataColumns } from '../../ui/data-table';
import { formatDate } from '../../ui/format';
import { roleLabel } from '../../ui/labels';
import { QueryState } from '../../ui/query-state';

function RevokeInvite({ invite }: { invite: InviteSummary }) {
  const queryClient = useQueryClient();
  const revoke = useMutation(
    trpc.invites.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.invites.list.queryKey() }),
    }),
  );
  return (
    <ConfirmedAction
      label="Revoke"
      question="Revoke the invitation? Its link stops working."
      confirmLabel="Yes, revoke"
      action={{ ...revoke, mutate: () => revoke.mutate({ inviteId: invite.id }) }}
    />
  );
}

const column = dataColumns<InviteSummary>();
const COLUMNS = column.columns([
  column.accessor('email', { header: 'Email', size: 260, meta: { rowHeader: true } }),
  column.accessor('role', { header: 'Role', size: 140, cell: (info) => roleLabel(info.getValue()) }),
  column.accessor('createdAt', { header: 'Sent', size: 140, cell: (info) => formatDate(info.getValue()) }),
  column.accessor('expiresAt', {
    header: 'Expires',
    cell: (info) =>
      info.row.original.status === 'expired' ? (
        <span className="status status-off">Expired {formatDate(info.getValue())}</span>
      ) : (
        formatDate(info.getValue())
      ),
  }),
  column.display({
    id: 'actions',
    header: () => <span className="visually-hidden">Actions</span>,
    size: 300,
    cell: (info) => <RevokeInvite invite={info.row.original} />,
  }),
]);

const openInvites = (invites: InviteSummary[]) =>
  invites.filter((invite) => invite.status === 'pending' || invite.status === 'expired');

/** Invitations not yet used: pending ones, and expired ones until someone tidies them away. */
export function PendingInvites() {
  const invites = useQuery(trpc.invites.list.queryOptions(undefined, { select: openInvites }));
  return (
    <QueryState
      query={invites}
      loading="Loading invitations…"
      isEmpty={(open) => open.length === 0}
      empty={<p>No invitations are waiting.</p>}
    >
      {(open) => (
        <DataTable
          data={open}
          columns={COLUMNS}
          label="Pending invitations"
          testId="invites"
          getRowId={(invite) => invite.id}
          rowAttributes={(invite) => ({ 'data-testid': 'invite', 'data-invite-id': invite.id })}
        />
      )}
    </QueryState>
  );
}
