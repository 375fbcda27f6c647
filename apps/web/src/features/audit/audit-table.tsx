import type { AuditEntry } from '@quarry/contracts';
import { useInfiniteQuery } from '@tanstack/react-query';
import { trpc, trpcClient } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { formatDateTime } from '../../ui/format';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';

const PAGE = 50;

function EntryRow({ entry }: { entry: AuditEntry }) {
  const details =
    entry.details === null || entry.details === undefined ? null : JSON.stringify(entry.details, null, 2);
  return (
    <tr data-testid="audit-entry" data-seq={entry.seq}>
      <td className="nowrap">{formatDateTime(entry.at)}</td>
      <td>
        {entry.actorEmail ??
          (entry.actorId ? (
            <span className="mono">{entry.actorId}</span>
          ) : (
            <span className="muted">System</span>
          ))}
      </td>
      <th scope="row" className="mono">
        {entry.action}
      </th>
      <td>
        {entry.targetType ? (
          <>
            {entry.targetType} <span className="mono muted">{entry.targetId}</span>
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        <span className={entry.outcome === 'success' ? 'status status-on' : 'status status-off'}>
          {entry.outcome}
        </span>
      </td>
      <td className="mono">{entry.ip ?? <span className="muted">—</span>}</td>
      <td>
        {details ? (
          <details className="audit-details">
            <summary>Show</summary>
            <pre>{details}</pre>
          </details>
        ) : null}
      </td>
    </tr>
  );
}

/** The log newest first, a page at a time; "Load more" pages back through `nextBefore`. */
export function AuditTable({ action }: { action: string | undefined }) {
  const entries = useInfiniteQuery({
    queryKey: [...trpc.audit.list.queryKey({ action, limit: PAGE }), 'pages'],
    queryFn: ({ pageParam }) =>
      trpcClient.audit.list.query({ action, limit: PAGE, ...(pageParam ? { before: pageParam } : {}) }),
    initialPageParam: 0,
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });

  if (entries.isPending) return <p className="muted">Loading the audit log…</p>;
  if (entries.error && !entries.data) {
    return (
      <ErrorMessage error={quarryErrorOf(entries.error)}>
        <button type="button" className="button" onClick={() => entries.refetch()}>
          Try again
        </button>
      </ErrorMessage>
    );
  }
  const rows = entries.data.pages.flatMap((page) => page.entries);
  if (rows.length === 0) {
    return <p className="muted">{action ? `No entries for ${action}.` : 'The audit log is empty.'}</p>;
  }
  return (
    <>
      <div className="table-scroll">
        <table className="data-table audit-table" data-testid="audit">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">IP address</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((entry) => (
              <EntryRow key={entry.seq} entry={entry} />
            ))}
          </tbody>
        </table>
      </div>
      {entries.error ? <ErrorMessage error={quarryErrorOf(entries.error)} /> : null}
      <div className="table-footer">
        <span className="muted small">{rows.length === 1 ? '1 entry' : `${rows.length} entries`} shown</span>
        {entries.hasNextPage ? (
          <button
            type="button"
            className="button"
            onClick={() => entries.fetchNextPage()}
            disabled={entries.isFetchingNextPage}
            aria-busy={entries.isFetchingNextPage}
          >
            {entries.isFetchingNextPage ? <Spinner /> : null}
            Load more
          </button>
        ) : null}
      </div>
    </>
  );
}
