import type { SessionSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmPrompt } from '../../ui/confirm-prompt';
import { DataTable, dataColumns } from '../../ui/data-table';
import { ErrorMessage } from '../../ui/error-message';
import { formatDateTime } from '../../ui/format';
import { quarryErrorOf } from '../../ui/quarry-error';
import { QueryState } from '../../ui/query-state';
import { Spinner } from '../../ui/spinner';
import { markSignedOut } from '../auth/session';
import { describeUserAgent } from './describe-user-agent';

function SignOutSession({ session }: { session: SessionSummary }) {
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
    <div className="row-actions">
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
    </div>
  );
}

const column = dataColumns<SessionSummary>();
const COLUMNS = column.columns([
  column.accessor((session) => describeUserAgent(session.userAgent), {
    id: 'device',
    header: 'Device',
    size: 280,
    meta: { rowHeader: true },
    cell: (info) => (
      <span>
        <span title={info.row.original.userAgent ?? undefined}>{info.getValue()}</span>
        {info.row.original.current ? (
          <span className="badge badge-accent badge-inline">This device</span>
        ) : null}
      </span>
    ),
  }),
  column.accessor((session) => session.ip ?? undefined, {
    id: 'ip',
    header: 'IP address',
    size: 150,
    sortUndefined: 'last',
    cell: (info) => <span className="mono">{info.getValue() ?? <span className="muted">Unknown</span>}</span>,
  }),
  column.accessor('lastSeenAt', { header: 'Last active', cell: (info) => formatDateTime(info.getValue()) }),
  column.accessor('createdAt', { header: 'Signed in', cell: (info) => formatDateTime(info.getValue()) }),
  column.display({
    id: 'actions',
    header: () => <span className="visually-hidden">Actions</span>,
    size: 200,
    cell: (info) => <SignOutSession session={info.row.original} />,
  }),
]);

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
  return (
    <QueryState query={sessions} loading="Loading sessions…">
      {(data) => (
        <>
          <DataTable
            data={data}
            columns={COLUMNS}
            label="Sessions"
            testId="sessions"
            getRowId={(session) => session.id}
            rowAttributes={(session) => ({
              'data-testid': 'session',
              'data-current': session.current ? 'true' : undefined,
            })}
          />
          <SignOutEverywhere />
        </>
      )}
    </QueryState>
  );
}
