import type { ApiTokenSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmPrompt } from '../../ui/confirm-prompt';
import { ErrorMessage } from '../../ui/error-message';
import { formatDate, formatDateTime } from '../../ui/format';
import { quarryErrorOf } from '../../ui/quarry-error';
import { useToast } from '../../ui/toast';

function TokenRow({ token }: { token: ApiTokenSummary }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
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
    <tr data-token-id={token.id}>
      <th scope="row">{token.name}</th>
      <td className="mono">{token.prefix}…</td>
      <td>{formatDate(token.createdAt)}</td>
      <td>{formatDate(token.expiresAt)}</td>
      <td>{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : <span className="muted">Never</span>}</td>
      <td className="token-actions">
        {confirming ? (
          <ConfirmPrompt
            question={`Revoke “${token.name}”? Scripts using it stop working.`}
            confirmLabel="Yes, revoke"
            pending={revoke.isPending}
            onConfirm={() => revoke.mutate({ tokenId: token.id })}
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

export function TokenList() {
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  if (tokens.isPending) return <p className="muted">Loading tokens…</p>;
  if (tokens.error) return <ErrorMessage error={quarryErrorOf(tokens.error)} />;
  if (tokens.data.length === 0) {
    return <p className="muted">You have no API tokens. Create one above to use the Quarry SDK.</p>;
  }
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid="tokens">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Token</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.data.map((token) => (
            <TokenRow key={token.id} token={token} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
