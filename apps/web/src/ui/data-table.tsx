import {
  type ColumnDef,
  type ColumnHelper,
  columnResizingFeature,
  columnSizingFeature,
  createColumnHelper,
  createSortedRowModel,
  metaHelper,
  type RowData,
  rowSortingFeature,
  sortFn_alphanumeric,
  sortFn_basic,
  sortFn_datetime,
  sortFn_text,
  tableFeatures,
  useTable,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type CSSProperties, type ReactNode, useRef } from 'react';
import { createAppendOnlyRowModel } from './append-only-row-model';
import './data-table.css';

/** What a column tells the table beyond its value: which way it aligns, how a cell is labelled. */
export type DataColumnMeta = {
  align?: 'start' | 'end';
  /** Extra class on the column's header and cells. */
  className?: string;
  /** The column that names its row: its cells are row headers. */
  rowHeader?: boolean;
};

export const dataTableFeatures = tableFeatures({
  rowSortingFeature,
  columnSizingFeature,
  columnResizingFeature,
  coreRowModel: createAppendOnlyRowModel(),
  sortedRowModel: createSortedRowModel(),
  sortFns: {
    alphanumeric: sortFn_alphanumeric,
    basic: sortFn_basic,
    datetime: sortFn_datetime,
    text: sortFn_text,
  },
  columnMeta: metaHelper<DataColumnMeta>(),
});
export type DataTableFeatures = typeof dataTableFeatures;

/** Column definitions for a DataTable of `TData` rows. */
export const dataColumns = <TData extends RowData>(): ColumnHelper<DataTableFeatures, TData> =>
  createColumnHelper<DataTableFeatures, TData>();

// The helper's own array type: each column keeps the type of its value.
// biome-ignore lint/suspicious/noExplicitAny: TanStack's column arrays are heterogeneous in value type
export type DataColumns<TData extends RowData> = Array<ColumnDef<DataTableFeatures, TData, any>>;

type DataTableProps<TData extends RowData> = {
  data: TData[];
  columns: DataColumns<TData>;
  /** Names the table for assistive technology. */
  label: string;
  /**
   * A streaming result grows `data` in place and passes its length here: a changed prop is what
   * makes a memoised parent render the table again to take the new rows.
   */
  rowCount?: number;
  getRowId?: (row: TData, index: number) => string;
  /**
   * The height of one row in pixels, when every row has it (results: the fastest way to scroll
   * far). Without it each drawn row is measured, for lists whose rows grow (a confirm, an error).
   */
  rowHeight?: number;
  /** Attributes for a row's element (`data-*` for tests and styles). */
  rowAttributes?: (row: TData) => Record<`data-${string}`, string | undefined>;
  /** The scroll area's largest height (CSS); the page scrolls past shorter tables. */
  maxHeight?: string;
  testId?: string;
  className?: string;
};

/** What an unmeasured row is assumed to take, before it is drawn and measured. */
const ESTIMATED_ROW_HEIGHT = 45;

/**
 * Every list and result of the app: TanStack Table for sorting and column sizes, TanStack
 * Virtual so only the rows in view are in the DOM (100,000 rows scroll as smoothly as 100), and a
 * header that stays in place while the rows scroll. Click a header to sort; drag its edge to resize.
 */
export function DataTable<TData extends RowData>({
  data,
  columns,
  label,
  getRowId,
  rowHeight,
  rowAttributes,
  maxHeight = '32rem',
  testId,
  className,
}: DataTableProps<TData>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const table = useTable({
    features: dataTableFeatures,
    columns,
    data,
    ...(getRowId ? { getRowId } : {}),
    columnResizeMode: 'onChange',
    enableSortingRemoval: true,
    defaultColumn: { size: 180, minSize: 60, maxSize: 1200 },
  });
  // The append-only row model reads `data.length` on every render, so rows that arrived in place
  // since the last one (the parent re-rendered with a new `rowCount`) are taken here.
  const rows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight ?? ESTIMATED_ROW_HEIGHT,
    overscan: 12,
    ...(getRowId ? { getItemKey: (index: number) => rows[index]?.id ?? index } : {}),
  });
  const headers = table.getFlatHeaders();
  // Sizes once per render as CSS variables, so resizing does not walk every cell.
  const sizes: Record<string, string> = { '--data-table-width': `${table.getTotalSize()}px` };
  for (const header of headers) sizes[`--col-${cssId(header.column.id)}`] = `${header.getSize()}px`;

  return (
    <div
      ref={scrollRef}
      className={`data-table-scroll ${className ?? ''}`}
      style={{ maxHeight, ...(sizes as CSSProperties) }}
      data-testid={testId ? `${testId}-scroll` : undefined}
    >
      <table
        className={`data-grid${rowHeight ? '' : ' is-measured'}`}
        aria-label={label}
        aria-rowcount={rows.length + 1}
        data-testid={testId}
      >
        <thead>
          <tr aria-rowindex={1}>
            {headers.map((header, index) => {
              const sorted = header.column.getIsSorted();
              const meta = header.column.columnDef.meta;
              return (
                <th
                  key={header.id}
                  scope="col"
                  className={classOf(meta)}
                  style={{ width: `var(--col-${cssId(header.column.id)})` }}
                  aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                >
                  {header.column.getCanSort() ? (
                    <button
                      type="button"
                      className="data-grid-sort"
                      onClick={header.column.getToggleSortingHandler()}
                    >
                      <span className="data-grid-heading">
                        <table.FlexRender header={header} />
                      </span>
                      <SortMark direction={sorted} />
                    </button>
                  ) : (
                    <span className="data-grid-heading">
                      <table.FlexRender header={header} />
                    </span>
                  )}
                  {header.column.getCanResize() ? (
                    // Drag, or focus and press ←/→; double-click or Home restores the width.
                    // biome-ignore lint/a11y/useSemanticElements: an <hr> cannot take focus or a drag
                    <span
                      role="separator"
                      tabIndex={0}
                      aria-orientation="vertical"
                      aria-label={`Resize column ${index + 1}`}
                      aria-valuenow={header.getSize()}
                      aria-valuemin={header.column.columnDef.minSize ?? 60}
                      aria-valuemax={header.column.columnDef.maxSize ?? 1200}
                      className={`data-grid-resize${header.column.getIsResizing() ? ' is-resizing' : ''}`}
                      onMouseDown={header.getResizeHandler()}
                      onTouchStart={header.getResizeHandler()}
                      onDoubleClick={() => header.column.resetSize()}
                      onKeyDown={(event) => {
                        const step = event.shiftKey ? 80 : 20;
                        const delta =
                          event.key === 'ArrowRight' ? step : event.key === 'ArrowLeft' ? -step : 0;
                        if (event.key === 'Home') header.column.resetSize();
                        else if (delta === 0) return;
                        else {
                          const width = Math.min(Math.max(header.getSize() + delta, 60), 1200);
                          table.setColumnSizing((sizes) => ({ ...sizes, [header.column.id]: width }));
                        }
                        event.preventDefault();
                      }}
                    />
                  ) : null}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody style={{ height: `${virtualizer.getTotalSize()}px` }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <tr
                key={row.id}
                data-index={item.index}
                ref={rowHeight ? undefined : virtualizer.measureElement}
                aria-rowindex={item.index + 2}
                style={{
                  transform: `translateY(${item.start}px)`,
                  ...(rowHeight ? { height: `${rowHeight}px` } : {}),
                }}
                {...rowAttributes?.(row.original)}
              >
                {row.getAllCells().map((cell) => {
                  const meta = cell.column.columnDef.meta;
                  const Cell = meta?.rowHeader ? 'th' : 'td';
                  return (
                    <Cell
                      key={cell.id}
                      scope={meta?.rowHeader ? 'row' : undefined}
                      className={classOf(meta)}
                      style={{ width: `var(--col-${cssId(cell.column.id)})` }}
                    >
                      <table.FlexRender cell={cell} />
                    </Cell>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function SortMark({ direction }: { direction: false | 'asc' | 'desc' }): ReactNode {
  if (!direction) return <span className="data-grid-sort-mark is-idle" aria-hidden="true" />;
  return (
    <span className="data-grid-sort-mark" aria-hidden="true">
      {direction === 'asc' ? '▲' : '▼'}
    </span>
  );
}

function classOf(meta: DataColumnMeta | undefined): string | undefined {
  const classes = [meta?.align === 'end' ? 'is-end' : '', meta?.className ?? ''].filter(Boolean);
  return classes.length > 0 ? classes.join(' ') : undefined;
}

/** Column ids as CSS custom-property names: anything but letters, digits, - and _ becomes _. */
const cssId = (id: string): string => id.replace(/[^a-zA-Z0-9_-]/g, '_');
