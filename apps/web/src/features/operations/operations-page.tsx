import type { ActiveRun, DeadLetter, OperationsStatus, QueueDepth, RecentFailure } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { ConfirmedAction } from '../../ui/confirmed-action';
import { formatCount, formatDateTime } from '../../ui/format';
import { ListTable } from '../../ui/list-table';
import { QueryState } from '../../ui/query-state';
import { useToast } from '../../ui/toast';
import { runAge } from './run-age';
import './operations.css';

/** How often the page reads the queue again while it is open. */
const REFRESH_MS = 10_000;

const QUEUE_LABELS: Record<string, string> = {
  'run.execute': 'Runs',
  'run.chunks.sweep': 'Result clean-up',
  'connection.test': 'Connection tests',
  'schema.refresh': 'Schema refreshes',
};

function useRefreshStatus() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.operations.status.queryKey() });
}

/**
 * The query runner for the on-call Admin: queue depth (totals for the whole server, as queues are
 * shared), this workspace's queued and running runs, its failures of the last day and its dead
 * letters, with cancel, retry and delete.
 */
export function OperationsPage() {
  const status = useQuery({ ...trpc.operations.status.queryOptions(), refetchInterval: REFRESH_MS });
  const refresh = useRefreshStatus();
  return (
    <section aria-labelledby="operations-title" className="settings-section">
      <div className="page-header">
        <h1 id="operations-title">Query runner</h1>
      </div>
      <p className="muted lead">
        What is waiting, running and failing. Queue depth counts every workspace on this server; runs,
        failures and dead letters are this workspace’s only.
      </p>
      <QueryState query={status} loading="Reading the queue…">
        {(data) => (
          <>
            <Summary status={data} onRefresh={refresh} refreshing={status.isFetching} />
            <Queues queues={data.queues} />
            <ActiveRuns runs={data.activeRuns} now={data.at} />
            <RecentFailures failures={data.recentFailures} now={data.at} />
            <DeadLetters letters={data.deadLetters} now={data.at} />
          </>
        )}
      </QueryState>
    </section>
  );
}

function Summary({
  status,
  onRefresh,
  refreshing,
}: {
  status: OperationsStatus;
  onRefresh: () => void;
  refreshing: boolean;
}) {
  const waiting = status.queues.reduce((sum, q) => sum + q.queued, 0);
  return (
    <div className="operations-summary" data-testid="operations-summary">
      <span className={status.runnersOnline > 0 ? 'status status-on' : 'status status-warn'}>
        {status.runnersOnline === 0
          ? 'No query runner online'
          : `${formatCount(status.runnersOnline)} ${status.runnersOnline === 1 ? 'runner' : 'runners'} online`}
      </span>
      <span className="muted">{formatCount(waiting)} jobs waiting</span>
      <span className="muted">As of {formatDateTime(status.at)}</span>
      <button type="button" className="button button-quiet" onClick={onRefresh} disabled={refreshing}>
        {refreshing ? 'Refreshing…' : 'Refresh'}
      </button>
    </div>
  );
}

function Queues({ queues }: { queues: QueueDepth[] }) {
  return (
    <section className="operations-section" aria-labelledby="operations-queues">
      <h2 id="operations-queues">Queues</h2>
      <p className="muted">Counted by the queue at most a minute ago, for every workspace together.</p>
      <div className="table-scroll">
        <table className="data-table" data-testid="operations-queues">
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col" className="number">
                Waiting
              </th>
              <th scope="col" className="number">
                Running
              </th>
              <th scope="col" className="number">
                Waiting to retry
              </th>
              <th scope="col" className="number">
                Dead letters
              </th>
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr key={q.queue} data-queue={q.queue}>
                <th scope="row">
                  {QUEUE_LABELS[q.queue] ?? q.queue} <span className="mono muted">{q.queue}</span>
                </th>
                <td className="number">{formatCount(q.queued)}</td>
                <td className="number">{formatCount(q.active)}</td>
                <td className="number">{formatCount(q.deferred)}</td>
                <td className="number">{formatCount(q.deadLetters)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CancelRun({ run }: { run: ActiveRun }) {
  const toast = useToast();
  const refresh = useRefreshStatus();
  const cancel = useMutation(
    trpc.operations.cancelRun.mutationOptions({
      onSuccess: (answer) => {
        toast(
          answer.cancelled
            ? 'Run cancelled'
            : `The run had already ${answer.status === 'succeeded' ? 'finished' : 'ended'}`,
        );
        return refresh();
      },
    }),
  );
  return (
    <ConfirmedAction
      label="Cancel"
      question={`Cancel ${run.ownerEmail ?? 'this person'}’s run? Its query stops on the warehouse too.`}
      confirmLabel="Yes, cancel the run"
      action={{ ...cancel, mutate: () => cancel.mutate({ runId: run.runId }) }}
    />
  );
}

function ActiveRuns({ runs, now }: { runs: ActiveRun[]; now: Date }) {
  return (
    <section className="operations-section" aria-labelledby="operations-active">
      <h2 id="operations-active">
        Active runs <span className="badge">{formatCount(runs.length)}</span>
      </h2>
      {runs.length === 0 ? (
        <p className="muted">Nothing is queued or running in this workspace.</p>
      ) : (
        <ListTable columns={['Run', 'Status', 'Age', 'Owner', 'Connection']} testId="operations-active-runs">
          {runs.map((run) => (
            <tr key={run.runId} data-run-id={run.runId}>
              <th scope="row" className="mono">
                {run.runId}
              </th>
              <td>
                <span className={run.status === 'running' ? 'status status-busy' : 'status status-off'}>
                  {run.status === 'running' ? 'Running' : 'Queued'}
                </span>
              </td>
              <td title={`Queued ${formatDateTime(run.createdAt)}`}>{runAge(run.createdAt, now)}</td>
              <td>{run.ownerEmail ?? <span className="mono">{run.ownerId}</span>}</td>
              <td>{run.connectionName ?? <span className="mono">{run.connectionId ?? '—'}</span>}</td>
              <td>
                <CancelRun run={run} />
              </td>
            </tr>
          ))}
        </ListTable>
      )}
    </section>
  );
}

function RecentFailures({ failures, now }: { failures: RecentFailure[]; now: Date }) {
  return (
    <section className="operations-section" aria-labelledby="operations-failures">
      <h2 id="operations-failures">
        Failures in the last 24 hours <span className="badge">{formatCount(failures.length)}</span>
      </h2>
      {failures.length === 0 ? (
        <p className="muted">No run failed in the last day.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table" data-testid="operations-failures">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Error</th>
                <th scope="col">Cause</th>
                <th scope="col">Owner</th>
                <th scope="col">Connection</th>
              </tr>
            </thead>
            <tbody>
              {failures.map((f) => (
                <tr key={f.runId} data-run-id={f.runId}>
                  <td title={formatDateTime(f.finishedAt)}>{runAge(f.finishedAt, now)} ago</td>
                  <th scope="row" className="operations-error">
                    {f.message}
                    <span className="mono muted">
                      {f.code} · {f.runId}
                    </span>
                  </th>
                  <td>
                    {f.kind === 'system' ? (
                      <span className="status status-warn">Quarry or the connection</span>
                    ) : (
                      <span className="status status-off">The query</span>
                    )}
                  </td>
                  <td>{f.ownerEmail ?? <span className="mono">{f.ownerId}</span>}</td>
                  <td>{f.connectionName ?? <span className="mono">{f.connectionId ?? '—'}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RetryDeadLetter({ letter }: { letter: DeadLetter }) {
  const toast = useToast();
  const refresh = useRefreshStatus();
  const retry = useMutation(
    trpc.operations.retryDeadLetter.mutationOptions({
      onSuccess: () => {
        toast('Handed back to its queue');
        return refresh();
      },
    }),
  );
  return (
    <ConfirmedAction
      label="Retry"
      question={
        letter.runStatus && letter.runStatus !== 'queued'
          ? `Retry this job? Its run has ${letter.runStatus === 'running' ? 'not finished' : 'already ended'}, so the runner will leave it as it is.`
          : 'Retry this job? A runner takes it again.'
      }
      confirmLabel="Yes, retry"
      action={{ ...retry, mutate: () => retry.mutate({ queue: letter.queue, jobId: letter.id }) }}
    />
  );
}

function PurgeDeadLetters({ queue, count }: { queue: string; count: number }) {
  const toast = useToast();
  const refresh = useRefreshStatus();
  const purge = useMutation(
    trpc.operations.purgeDeadLetters.mutationOptions({
      onSuccess: (answer) => {
        toast(`${formatCount(answer.count)} dead ${answer.count === 1 ? 'letter' : 'letters'} deleted`);
        return refresh();
      },
    }),
  );
  return (
    <ConfirmedAction
      label={`Delete all dead letters of ${QUEUE_LABELS[queue.replace(/\.dead$/, '')] ?? queue}`}
      question={`Delete this workspace’s ${formatCount(count)} dead ${count === 1 ? 'letter' : 'letters'} in ${queue}? They cannot be retried afterwards.`}
      confirmLabel="Yes, delete them"
      action={{ ...purge, mutate: () => purge.mutate({ queue }) }}
    />
  );
}

function DeadLetters({ letters, now }: { letters: DeadLetter[]; now: Date }) {
  const byQueue = new Map<string, number>();
  for (const l of letters) byQueue.set(l.queue, (byQueue.get(l.queue) ?? 0) + 1);
  return (
    <section className="operations-section" aria-labelledby="operations-dead">
      <h2 id="operations-dead">
        Dead letters <span className="badge">{formatCount(letters.length)}</span>
      </h2>
      <p className="muted">Jobs that failed after every retry. Retry one, or delete them once understood.</p>
      {letters.length === 0 ? (
        <p className="muted">No dead letters in this workspace.</p>
      ) : (
        <>
          <ListTable columns={['Job', 'Failed on', 'Run', 'Age']} testId="operations-dead-letters">
            {letters.map((l) => (
              <tr key={l.id} data-job-id={l.id}>
                <th scope="row" className="mono">
                  {l.id}
                </th>
                <td className="mono">{l.sourceQueue ?? l.queue}</td>
                <td>
                  {l.runId ? (
                    <>
                      <span className="mono">{l.runId}</span>{' '}
                      {l.runStatus ? <span className="muted">({l.runStatus})</span> : null}
                    </>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td title={formatDateTime(l.createdAt)}>{runAge(l.createdAt, now)}</td>
                <td>
                  <RetryDeadLetter letter={l} />
                </td>
              </tr>
            ))}
          </ListTable>
          <div className="operations-purge">
            {[...byQueue].map(([queue, count]) => (
              <PurgeDeadLetters key={queue} queue={queue} count={count} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
