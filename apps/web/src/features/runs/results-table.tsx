import type { Column, Cell as ResultCell } from '@quarry/contracts';
import { memo } from 'react';

/** Rows kept in the DOM; the rest are counted, not drawn (virtualisation comes later). */
export const MAX_RENDERED_ROWS = 500;

const NUMERIC = new Set<Column['type']>(['number', 'bigint']);

type ResultsTableProps = {
  columns: Column[];
  rows: ResultCell[][];
  /** How many of `rows` to draw; `rows` grows in place, so this is what tells React to redraw. */
  visibleCount: number;
};

function CellValue({ value }: { value: ResultCell }) {
  if (value === null) return <span className="null">NULL</span>;
  if (typeof value === 'boolean') return <>{value ? 'true' : 'false'}</>;
  return <>{String(value)}</>;
}

export const ResultsTable = memo(function ResultsTable({ columns, rows, visibleCount }: ResultsTableProps) {
  const numeric = columns.map((column) => NUMERIC.has(column.type));
  const visible = rows.slice(0, visibleCount);
  return (
    <div className="results-scroll">
      <table className="results" data-testid="results">
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th
                // biome-ignore lint/suspicious/noArrayIndexKey: a query may return two columns with one name
                key={index}
                scope="col"
                className={numeric[index] ? 'num' : undefined}
                title={column.dbType}
              >
                {column.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {visible.map((row, rowIndex) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows only ever append and carry no id
            <tr key={rowIndex}>
              {columns.map((column, index) => (
                <td
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional, as columns are
                  key={index}
                  className={numeric[index] ? 'num' : undefined}
                  data-column={column.name}
                >
                  <CellValue value={row[index] ?? null} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
});
