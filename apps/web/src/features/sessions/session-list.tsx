import type { SessionSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmPrompt } from '../../ui/confirm-prompt';
import { ErrorMessage } from '../../ui/error-message';
import { formatDateTime } from '../../ui/format';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';
import { markSignedOut } from '../auth/session';
import { describeUserAgent } from './describe-user-agent';

function SessionRow({ session }: { session: SessionSummary }) {
  const queryClient = useQueryClient();
  const revoke = useMutation(
    trpc.sessions.revoke.mutationOptions({
      onSuccess: () => {
        if (session.current) {
          markSignedOut(queryClient);
          return;
        }
        return queryClient.invalidateQueries({ queryKey: trpc.sessions.list.queryKey() });
      },
    }),
  );
  return (
    <tr data-testid="session" data-current={session.current ? 'true' : undefined}>
      <th scope="row">
        <span title={session.userAgent ?? undefined}>{describeUserAgent(session.userAgent)}</span>
        {session.current ? <span className="badge badge-accent badge-inline">This device</span> : null}
      </th>
      <td className="mono">{session.ip ?? <span className="muted">Unknown</span>}</td>
      <td>{formatDateTime(session.lastSeenAt)}</td>
      <td>{formatDateTime(session.createdAt)}</td>
      <td className="row-actions">
        <button
          type="button"
          className="button"
          onClick={() => revoke.mutate({ sessionId: session.id })}
          disabled={revoke.isPending}
          aria-busy={revoke.isPending}
        >
          {revoke.isPending ? <Spinner /> : null}
          Sign out
        </button>
        {revoke.error ? <ErrorMessage error={quarryErrorOf(revoke.error)} /> : null}
      </td>
    </tr>
  );
}

function SignOutEverywhere() {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const everywhere = useMutation(
    trpc.sessions.signOutEverywhere.mutationOptions({
      onSuccess: () => markSignedOut(queryClient),
    }),
  );
  return (
    <div className="sessions-everywhere">
      {confirming ? (
        <ConfirmPrompt
          question="Sign out of every device, this one included?"
          confirmLabel="Yes, sign out everywhere"
          pending={everywhere.isPending}
          onConfirm={() => everywhere.mutate()}
          onCancel={() => setConfirming(false)}
        />
      ) : (
        <button type="button" className="button" onClick={() => setConfirming(true)}>
          Sign out everywhere
        </button>
      )}
      {everywhere.error ? <ErrorMessage error={quarryErrorOf(everywhere.error)} /> : null}
    </div>
  );
}

export function SessionList() {
  const sessions = useQuery(trpc.sessions.list.queryOptions());
  if (sessions.isPending) return <p className="muted">Loading sessions…</p>;
  if (sessions.error) {
    return (
      <ErrorMessage error={quarryErrorOf(sessions.error)}>
        <button type="button" className="button" onClick={() => sessions.refetch()}>
          Try again
        </button>
      </ErrorMessage>
    );
  }
  return (
    <>
      <div className="table-scroll">
        <table className="data-table" data-testid="sessions">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">IP address</th>
              <th scope="col">Last active</th>
              <th scope="col">Signed in</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.map((session) => (
              <SessionRow key={session.id} session={session} />
            ))}
          </tbody>
        </table>
      </div>
      <SignOutEverywhere />
    </>
  );
}
