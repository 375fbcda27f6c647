import type { InviteSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmPrompt } from '../../ui/confirm-prompt';
import { ErrorMessage } from '../../ui/error-message';
import { formatDate } from '../../ui/format';
import { roleLabel } from '../../ui/labels';
import { quarryErrorOf } from '../../ui/quarry-error';

function InviteRow({ invite }: { invite: InviteSummary }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation(
    trpc.invites.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.invites.list.queryKey() }),
    }),
  );
  return (
    <tr data-testid="invite" data-invite-id={invite.id}>
      <th scope="row">{invite.email}</th>
      <td>{roleLabel(invite.role)}</td>
      <td>{formatDate(invite.createdAt)}</td>
      <td>
        {invite.status === 'expired' ? (
          <span className="status status-off">Expired {formatDate(invite.expiresAt)}</span>
        ) : (
          formatDate(invite.expiresAt)
        )}
      </td>
      <td className="row-actions">
        {confirming ? (
          <ConfirmPrompt
            question="Revoke the invitation? Its link stops working."
            confirmLabel="Yes, revoke"
            pending={revoke.isPending}
            onConfirm={() => revoke.mutate({ inviteId: invite.id })}
            onCancel={() => setConfirming(false)}
          />
        ) : (
          <button type="button" className="button" onClick={() => setConfirming(true)}>
            Revoke
          </button>
        )}
        {revoke.error ? <ErrorMessage error={quarryErrorOf(revoke.error)} /> : null}
      </td>
    </tr>
  );
}

/** Invitations not yet used: pending ones, and expired ones until someone tidies them away. */
export function PendingInvites() {
  const invites = useQuery(trpc.invites.list.queryOptions());
  if (invites.isPending) return <p className="muted">Loading invitations…</p>;
  if (invites.error) return <ErrorMessage error={quarryErrorOf(invites.error)} />;
  const open = invites.data.filter((invite) => invite.status === 'pending' || invite.status === 'expired');
  if (open.length === 0) return <p className="muted">No invitations are waiting.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid="invites">
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Sent</th>
            <th scope="col">Expires</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {open.map((invite) => (
            <InviteRow key={invite.id} invite={invite} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
