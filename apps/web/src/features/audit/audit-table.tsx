import type { AuditEntry } from '@quarry/contracts';
import { useInfiniteQuery } from '@tanstack/react-query';
import { trpc, trpcClient } from '../../trpc';
import { DataTable, dataColumns } from '../../ui/data-table';
import { ErrorMessage } from '../../ui/error-message';
import { formatDateTime } from '../../ui/format';
import { quarryErrorOf } from '../../ui/quarry-error';
import { QueryState } from '../../ui/query-state';
import { Spinner } from '../../ui/spinner';

const PAGE = 50;

const column = dataColumns<AuditEntry>();
const COLUMNS = column.columns([
  column.accessor('at', { header: 'When', size: 150, cell: (info) => formatDateTime(info.getValue()) }),
  column.accessor((entry) => entry.actorEmail ?? entry.actorId ?? undefined, {
    id: 'who',
    header: 'Who',
    size: 180,
    sortUndefined: 'last',
    cell: ({ row: { original: entry } }) =>
      entry.actorEmail ??
      (entry.actorId ? <span className="mono">{entry.actorId}</span> : <span className="muted">System</span>),
  }),
  column.accessor('action', {
    header: 'Action',
    size: 240,
    meta: { rowHeader: true },
    cell: (info) => <span className="mono">{info.getValue()}</span>,
  }),
  column.accessor((entry) => entry.targetType ?? undefined, {
    id: 'target',
    header: 'Target',
    size: 220,
    sortUndefined: 'last',
    cell: ({ row: { original: entry } }) =>
      entry.targetType ? (
        <span>
          {entry.targetType} <span className="mono muted">{entry.targetId}</span>
        </span>
      ) : (
        <span className="muted">—</span>
      ),
  }),
  column.accessor('outcome', {
    header: 'Outcome',
    size: 110,
    cell: (info) => (
      <span className={info.getValue() === 'success' ? 'status status-on' : 'status status-off'}>
        {info.getValue()}
      </span>
    ),
  }),
  column.accessor((entry) => entry.ip ?? undefined, {
    id: 'ip',
    header: 'IP address',
    size: 120,
    sortUndefined: 'last',
    cell: (info) => <span className="mono">{info.getValue() ?? <span className="muted">—</span>}</span>,
  }),
  column.display({
    id: 'details',
    header: 'Details',
    size: 100,
    cell: ({ row: { original: entry } }) =>
      entry.details === null || entry.details === undefined ? null : (
        <details className="audit-details">
          <summary>Show</summary>
          <pre>{JSON.stringify(entry.details, null, 2)}</pre>
        </details>
      ),
  }),
]);

/** The log newest first, a page at a time; "Load more" pages back through `nextBefore`. */
export function AuditTable({ action }: { action: string | undefined }) {
  const entries = useInfiniteQuery({
    queryKey: [...trpc.audit.list.queryKey({ action, limit: PAGE }), 'pages'],
    queryFn: ({ pageParam }) =>
      trpcClient.audit.list.query({ action, limit: PAGE, ...(pageParam ? { before: pageParam } : {}) }),
    initialPageParam: 0,
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });

  return (
    <QueryState
      query={entries}
      loading="Loading the audit log…"
      isEmpty={(data) => data.pages.every((page) => page.entries.length === 0)}
      empty={<p>{action ? `No entries for ${action}.` : 'The audit log is empty.'}</p>}
    >
      {(data) => <AuditRows rows={data.pages.flatMap((page) => page.entries)} entries={entries} />}
    </QueryState>
  );
}

function AuditRows({
  rows,
  entries,
}: {
  rows: AuditEntry[];
  entries: {
    error: unknown;
    hasNextPage: boolean;
    isFetchingNextPage: boolean;
    fetchNextPage: () => unknown;
  };
}) {
  return (
    <>
      <DataTable
        data={rows}
        columns={COLUMNS}
        label="Audit log"
        testId="audit"
        className="audit-table"
        maxHeight="40rem"
        getRowId={(entry) => String(entry.seq)}
        rowAttributes={(entry) => ({ 'data-testid': 'audit-entry', 'data-seq': String(entry.seq) })}
      />
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
