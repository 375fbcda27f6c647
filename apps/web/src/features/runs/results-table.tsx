import type { Column, Cell as ResultCell } from '@quarry/contracts';
import { createContext, memo, useContext, useMemo, useState } from 'react';
import { compareCells } from '../../ui/compare-values';
import { type DataColumns, DataTable, dataColumns } from '../../ui/data-table';
import { formatValue, isNumeric, rawText, viewerTimeZone } from '../../ui/format-value';
import './results-table.css';

type ResultRow = ResultCell[];
type Inspected = { row: number; column: number };
type InspectState = { inspected: Inspected | null; inspect: (at: Inspected) => void; timeZone: string };

const InspectContext = createContext<InspectState>({ inspected: null, inspect: () => {}, timeZone: 'UTC' });

function initialWidth(column: Column): number {
  if (column.type === 'boolean') return 100;
  if (isNumeric(column.type)) return 140;
  if (column.type === 'date') return 130;
  if (column.type === 'timestamp' || column.type === 'timestamptz') return 260;
  return 200;
}

/** The header's tooltip: the database's type, and for an instant the zones it was written and shown in. */
function headerTitle(column: Column, timeZone: string): string {
  if (column.type !== 'timestamptz') return column.dbType;
  const written = column.timeZone ? `written by the database in ${column.timeZone}, ` : '';
  return `${column.dbType}, ${written}shown in ${timeZone}`;
}

/** One value, formatted by its column's type; a click shows it exactly as the database sent it. */
function ResultValue({
  value,
  column,
  row,
  index,
}: {
  value: ResultCell;
  column: Column;
  row: number;
  index: number;
}) {
  const { inspected, inspect, timeZone } = useContext(InspectContext);
  const shown = formatValue(value, column, timeZone);
  const selected = inspected?.row === row && inspected.column === index;
  return (
    <button
      type="button"
      className={`result-value result-${shown.kind}${selected ? ' is-selected' : ''}`}
      title={shown.kind === 'text' ? undefined : rawText(value)}
      onClick={() => inspect({ row, column: index })}
    >
      {shown.text}
    </button>
  );
}

function resultColumns(columns: Column[], timeZone: string): DataColumns<ResultRow> {
  const helper = dataColumns<ResultRow>();
  return columns.map((column, index) => {
    const compare = compareCells(column.type);
    return helper.accessor((row) => row[index] ?? undefined, {
      // Positional ids: a query may return two columns with one name.
      id: `c${index}`,
      header: () => <span title={headerTitle(column, timeZone)}>{column.name}</span>,
      size: initialWidth(column),
      sortUndefined: 'last',
      sortFn: (a, b, id) => compare(a.getValue(id) as ResultCell, b.getValue(id) as ResultCell),
      meta: { align: isNumeric(column.type) ? 'end' : 'start' },
      cell: (info) => (
        <ResultValue
          value={info.row.original[index] ?? null}
          column={column}
          row={info.row.index}
          index={index}
        />
      ),
    });
  });
}

/** The raw text of the value last clicked, its place and its type, with a way to copy it. */
function RawValue({
  columns,
  rows,
  at,
  onClose,
}: {
  columns: Column[];
  rows: ResultRow[];
  at: Inspected;
  onClose: () => void;
}) {
  const column = columns[at.column];
  const value = rows[at.row]?.[at.column] ?? null;
  if (!column) return null;
  const raw = rawText(value);
  return (
    <section className="raw-value" aria-label="Raw value" data-testid="raw-value">
      <header>
        <span>
          Row {(at.row + 1).toLocaleString('en-US')} · <strong>{column.name}</strong>{' '}
          <span className="muted mono">{column.dbType}</span>
          {value === null ? <span className="muted"> · NULL</span> : null}
          {value === '' ? <span className="muted"> · empty string</span> : null}
        </span>
        <span className="raw-value-actions">
          <button
            type="button"
            className="button button-small"
            onClick={() => void navigator.clipboard?.writeText(raw)}
          >
            Copy
          </button>
          <button type="button" className="button button-small" onClick={onClose}>
            Close
          </button>
        </span>
      </header>
      <pre>{value === null ? '' : raw}</pre>
    </section>
  );
}

type ResultsTableProps = {
  columns: Column[];
  rows: ResultRow[];
  /** How many rows have arrived; `rows` grows in place, so this is what tells React to redraw. */
  rowCount: number;
};

/** Every row of a result, virtualised: sort by a header, resize by its edge, click a value for its raw text. */
export const ResultsTable = memo(function ResultsTable({ columns, rows, rowCount }: ResultsTableProps) {
  const timeZone = useMemo(viewerTimeZone, []);
  const defs = useMemo(() => resultColumns(columns, timeZone), [columns, timeZone]);
  const [inspected, setInspected] = useState<Inspected | null>(null);
  const context = useMemo(() => ({ inspected, inspect: setInspected, timeZone }), [inspected, timeZone]);
  // A new result (a new row array) forgets the value inspected in the last one.
  const [forRows, setForRows] = useState(rows);
  if (forRows !== rows) {
    setForRows(rows);
    setInspected(null);
  }
  return (
    <InspectContext.Provider value={context}>
      <DataTable
        data={rows}
        rowCount={rowCount}
        columns={defs}
        label="Query results"
        testId="results"
        maxHeight="28rem"
        rowHeight={31}
      />
      {inspected ? (
        <RawValue columns={columns} rows={rows} at={inspected} onClose={() => setInspected(null)} />
      ) : null}
    </InspectContext.Provider>
  );
});
