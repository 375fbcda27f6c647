import type { BrowsedDatabase, SchemaTableDetail } from '@quarry/contracts';
import { useQueries } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, useCallback, useMemo, useRef, useState } from 'react';
import { formatCount } from '../../ui/format';
import { quarryErrorOf } from '../../ui/quarry-error';
import type { TableRef } from './quote-identifier';
import { schemaQueries } from './schema-api';
import { KIND_LABELS, KIND_NAMES } from './schema-labels';
import {
  type ColumnsState,
  defaultExpanded,
  flattenTree,
  type TreeRow,
  tableKey,
  toggle,
  treeKeyAction,
} from './tree-rows';

/** One line's height in pixels; fixed, so the virtual list knows where every line is without measuring. */
const ROW_HEIGHT = 28;

type SchemaTreeViewProps = {
  databases: readonly BrowsedDatabase[];
  connectionId: string;
  projectId: string;
  /** Inserts a select of the table into the current SQL cell; absent when the caller cannot edit. */
  onInsert: ((ref: TableRef) => void) | null;
};

/**
 * Databases → schemas → tables → columns, drawn as a virtual list: only the lines on screen are in
 * the page, so a warehouse of thousands of tables scrolls as smoothly as a small one. A table's
 * columns are read when it is opened.
 */
export function SchemaTreeView({ databases, connectionId, projectId, onInsert }: SchemaTreeViewProps) {
  const [expanded, setExpanded] = useState(() => defaultExpanded(databases));
  const openTables = useMemo(
    () => [...expanded].filter((key) => key.startsWith('t:')).map((key) => key.slice(2)),
    [expanded],
  );
  // A stable combine keeps the map (and so the flattened rows) the same until a result changes.
  const combine = useCallback(
    (results: { data?: SchemaTableDetail; error: unknown }[]) => {
      const byTable = new Map<string, ColumnsState>();
      results.forEach((result, index) => {
        const tableId = openTables[index];
        if (tableId !== undefined) byTable.set(tableId, columnsState(result));
      });
      return byTable;
    },
    [openTables],
  );
  const columns = useQueries({
    queries: openTables.map((tableId) => schemaQueries.columns({ connectionId, projectId, tableId })),
    combine,
  });
  const rows = useMemo(() => flattenTree(databases, expanded, columns), [databases, expanded, columns]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (index) => rows[index]?.key ?? index,
  });

  const onToggle = (key: string) => setExpanded((current) => toggle(current, key));

  // Lines off screen are not in the page: scroll to one first, then focus it once it is drawn.
  const focusLine = (index: number) => {
    const target = Math.max(0, Math.min(rows.length - 1, index));
    virtualizer.scrollToIndex(target);
    const focus = (tries: number) => {
      const line = scroller.current?.querySelector<HTMLElement>(
        `li[data-index="${target}"] [data-line-focus]`,
      );
      if (line) line.focus();
      else if (tries > 0) requestAnimationFrame(() => focus(tries - 1));
    };
    requestAnimationFrame(() => focus(5));
  };

  /** Arrow keys walk the lines, Right opens and Left folds, Home and End jump, as in a file tree. */
  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    if (!(event.target instanceof HTMLElement)) return;
    const line = event.target.closest<HTMLElement>('li[data-index]');
    const index = Number(line?.dataset.index);
    const action = treeKeyAction(rows, index, event.key);
    if (!action) return;
    event.preventDefault();
    if (action.type === 'toggle') onToggle(action.key);
    else focusLine(action.index);
  };

  return (
    <div className="schema-tree" ref={scroller} data-testid="schema-tree">
      <ul
        className="schema-tree-inner"
        aria-label="Schema (arrow keys move between lines)"
        style={{ height: virtualizer.getTotalSize() }}
        onKeyDown={onKeyDown}
      >
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          return (
            <li
              key={item.key}
              data-index={item.index}
              className={`schema-row schema-row-${row.type}`}
              data-depth={row.depth}
              data-testid={`schema-row-${row.type}`}
              style={{
                transform: `translateY(${item.start}px)`,
                height: ROW_HEIGHT,
                paddingLeft: `${0.4 + row.depth * 0.9}rem`,
              }}
            >
              <RowContent row={row} onToggle={onToggle} onInsert={onInsert} />
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function columnsState(result: { data?: SchemaTableDetail; error: unknown }): ColumnsState {
  if (result.data) return { status: 'loaded', columns: result.data.columns };
  if (result.error) return { status: 'error', message: quarryErrorOf(result.error).message };
  return { status: 'loading' };
}

type RowContentProps = {
  row: TreeRow;
  onToggle: (key: string) => void;
  onInsert: ((ref: TableRef) => void) | null;
};

function RowContent({ row, onToggle, onInsert }: RowContentProps) {
  switch (row.type) {
    case 'database':
    case 'schema':
      return (
        <button
          type="button"
          className="schema-toggle"
          data-line-focus
          aria-expanded={row.expanded}
          onClick={() => onToggle(row.key)}
          title={`${row.type === 'database' ? 'Database' : 'Schema'} ${row.name}`}
        >
          <Chevron open={row.expanded} />
          <span className={`schema-icon schema-icon-${row.type}`} aria-hidden="true">
            {row.type === 'database' ? 'DB' : 'S'}
          </span>
          <span className="schema-name">{row.name}</span>
          <span className="schema-count muted">{formatCount(row.tableCount)}</span>
        </button>
      );
    case 'table': {
      const { table } = row;
      const ref: TableRef = { database: row.database, schema: row.schema, table: table.name };
      return (
        <>
          <button
            type="button"
            className="schema-toggle"
            data-line-focus
            aria-expanded={row.expanded}
            onClick={() => onToggle(tableKey(table.id))}
            title={
              table.comment
                ? `${table.name}: ${table.comment}`
                : `${KIND_NAMES[table.kind]} ${row.schema}.${table.name}`
            }
            data-table={table.name}
          >
            <Chevron open={row.expanded} />
            <span className={`schema-kind schema-kind-${table.kind}`}>{KIND_LABELS[table.kind]}</span>
            <span className="schema-name">{table.name}</span>
          </button>
          {onInsert ? (
            <button
              type="button"
              className="schema-insert"
              // Not "SQL": the cell's editor is the page's one field labelled so.
              aria-label={`Insert a select of ${row.schema}.${table.name} into the current cell`}
              title="Insert select * … limit 100 into the current cell"
              onClick={() => onInsert(ref)}
            >
              Select
            </button>
          ) : null}
        </>
      );
    }
    case 'column': {
      const { column } = row;
      return (
        <span
          className="schema-column"
          title={column.comment ?? undefined}
          data-column={column.name}
          data-line-focus
          tabIndex={-1}
        >
          <span className="schema-name">{column.name}</span>
          {column.primaryKey ? (
            <span className="schema-pk" title="Primary key">
              PK
            </span>
          ) : null}
          <span className="schema-type">{column.dbType}</span>
          <span className="schema-null muted">{column.nullable ? 'null' : 'not null'}</span>
          {column.comment ? (
            <span className="schema-comment" title={column.comment}>
              <span aria-hidden="true">ⓘ</span>
              <span className="visually-hidden">Comment: {column.comment}</span>
            </span>
          ) : null}
        </span>
      );
    }
    case 'columns-loading':
      return (
        <span className="muted small" data-line-focus tabIndex={-1}>
          Loading columns…
        </span>
      );
    case 'columns-error':
      return (
        <span className="schema-row-error small" role="alert" data-line-focus tabIndex={-1}>
          {row.message}
        </span>
      );
    case 'columns-empty':
      return (
        <span className="muted small" data-line-focus tabIndex={-1}>
          No columns
        </span>
      );
  }
}

function Chevron({ open }: { open: boolean }) {
  return (
    <span className={`schema-chevron${open ? ' is-open' : ''}`} aria-hidden="true">
      ▸
    </span>
  );
}
