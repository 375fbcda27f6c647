import type { BrowsedColumn, BrowsedDatabase, BrowsedTable } from '@quarry/contracts';

/** What a table's columns are, as far as the browser has them. */
export type ColumnsState =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'loaded'; columns: readonly BrowsedColumn[] };

/** One line of the tree, flat, so a virtual list draws only the lines on screen. */
export type TreeRow =
  | { type: 'database'; key: string; depth: 0; name: string; expanded: boolean; tableCount: number }
  | {
      type: 'schema';
      key: string;
      depth: 1;
      database: string;
      name: string;
      expanded: boolean;
      tableCount: number;
    }
  | {
      type: 'table';
      key: string;
      depth: 2;
      database: string;
      schema: string;
      table: BrowsedTable;
      expanded: boolean;
    }
  | { type: 'column'; key: string; depth: 3; tableId: string; column: BrowsedColumn }
  | { type: 'columns-loading'; key: string; depth: 3; tableId: string }
  | { type: 'columns-error'; key: string; depth: 3; tableId: string; message: string }
  | { type: 'columns-empty'; key: string; depth: 3; tableId: string };

export const databaseKey = (database: string): string => `d:${database}`;
// A NUL cannot be part of a PostgreSQL or MySQL name, so it separates parts without ambiguity.
export const schemaKey = (database: string, schema: string): string => `s:${database}\u0000${schema}`;
export const tableKey = (tableId: string): string => `t:${tableId}`;

/**
 * What is open before anyone clicks: every database, and every schema when there are few enough
 * to read at a glance (a warehouse of hundreds of schemas opens folded).
 */
export function defaultExpanded(databases: readonly BrowsedDatabase[], maxOpenSchemas = 5): Set<string> {
  const open = new Set(databases.map((database) => databaseKey(database.name)));
  const schemaCount = databases.reduce((sum, database) => sum + database.schemas.length, 0);
  if (schemaCount <= maxOpenSchemas) {
    for (const database of databases)
      for (const schema of database.schemas) open.add(schemaKey(database.name, schema.name));
  }
  return open;
}

/**
 * The tree's visible lines in order: a folded node hides everything under it, and an open table
 * shows its columns, or that they are on their way, from `columns` (keyed by table id).
 */
export function flattenTree(
  databases: readonly BrowsedDatabase[],
  expanded: ReadonlySet<string>,
  columns: ReadonlyMap<string, ColumnsState>,
): TreeRow[] {
  const rows: TreeRow[] = [];
  for (const database of databases) {
    const dbKey = databaseKey(database.name);
    const dbOpen = expanded.has(dbKey);
    const tableCount = database.schemas.reduce((sum, schema) => sum + schema.tables.length, 0);
    rows.push({ type: 'database', key: dbKey, depth: 0, name: database.name, expanded: dbOpen, tableCount });
    if (!dbOpen) continue;
    for (const schema of database.schemas) {
      const sKey = schemaKey(database.name, schema.name);
      const schemaOpen = expanded.has(sKey);
      rows.push({
        type: 'schema',
        key: sKey,
        depth: 1,
        database: database.name,
        name: schema.name,
        expanded: schemaOpen,
        tableCount: schema.tables.length,
      });
      if (!schemaOpen) continue;
      for (const table of schema.tables) {
        const tKey = tableKey(table.id);
        const tableOpen = expanded.has(tKey);
        rows.push({
          type: 'table',
          key: tKey,
          depth: 2,
          database: database.name,
          schema: schema.name,
          table,
          expanded: tableOpen,
        });
        if (tableOpen) rows.push(...columnRows(table.id, columns.get(table.id)));
      }
    }
  }
  return rows;
}

function columnRows(tableId: string, state: ColumnsState | undefined): TreeRow[] {
  if (!state || state.status === 'loading') {
    return [{ type: 'columns-loading', key: `l:${tableId}`, depth: 3, tableId }];
  }
  if (state.status === 'error') {
    return [{ type: 'columns-error', key: `e:${tableId}`, depth: 3, tableId, message: state.message }];
  }
  if (state.columns.length === 0) return [{ type: 'columns-empty', key: `n:${tableId}`, depth: 3, tableId }];
  return [...state.columns]
    .sort((a, b) => a.position - b.position)
    .map((column) => ({
      type: 'column',
      key: `c:${tableId}\u0000${column.name}`,
      depth: 3,
      tableId,
      column,
    }));
}

/** Opens or folds one node, leaving the rest as it was. */
export function toggle(expanded: ReadonlySet<string>, key: string): Set<string> {
  const next = new Set(expanded);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  return next;
}

/** What a key does on a line of the tree: focus another line, or open or fold this one. */
export type TreeKeyAction = { type: 'focus'; index: number } | { type: 'toggle'; key: string };

/**
 * The file-tree keys: Up and Down walk the lines, Home and End jump to the ends, Right opens a
 * folded line (or steps into an open one), Left folds an open line (or climbs to its parent).
 */
export function treeKeyAction(rows: readonly TreeRow[], index: number, key: string): TreeKeyAction | null {
  const row = rows[index];
  if (!row) return null;
  const last = rows.length - 1;
  const focus = (to: number): TreeKeyAction => ({ type: 'focus', index: Math.max(0, Math.min(last, to)) });
  const expandable = row.type === 'database' || row.type === 'schema' || row.type === 'table';
  const open = expandable && row.expanded;
  switch (key) {
    case 'ArrowDown':
      return focus(index + 1);
    case 'ArrowUp':
      return focus(index - 1);
    case 'Home':
      return focus(0);
    case 'End':
      return focus(last);
    case 'ArrowRight':
      if (expandable && !open) return { type: 'toggle', key: row.key };
      return open ? focus(index + 1) : null;
    case 'ArrowLeft': {
      if (open) return { type: 'toggle', key: row.key };
      const parent = rows.slice(0, index).findLastIndex((above) => above.depth < row.depth);
      return parent >= 0 ? focus(parent) : null;
    }
    default:
      return null;
  }
}
