import type { BrowsedColumn, BrowsedDatabase, BrowsedTable } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import {
  type ColumnsState,
  databaseKey,
  defaultExpanded,
  flattenTree,
  schemaKey,
  tableKey,
  toggle,
  treeKeyAction,
} from './tree-rows';

const table = (id: string, name: string, kind: BrowsedTable['kind'] = 'table'): BrowsedTable => ({
  id,
  name,
  kind,
  comment: null,
  columnCount: 2,
});

const column = (name: string, position: number): BrowsedColumn => ({
  name,
  dbType: 'integer',
  nullable: false,
  comment: null,
  primaryKey: position === 1,
  position,
});

const WAREHOUSE: BrowsedDatabase[] = [
  {
    name: 'warehouse',
    schemas: [
      { name: 'public', tables: [table('stb_1', 'orders'), table('stb_2', 'daily_revenue', 'view')] },
      { name: 'staging', tables: [table('stb_3', 'raw_orders')] },
    ],
  },
];

const NO_COLUMNS = new Map<string, ColumnsState>();
const shape = (rows: ReturnType<typeof flattenTree>) => rows.map((row) => `${row.depth}:${row.type}`);

describe('flattenTree', () => {
  it('shows only the databases while everything is folded', () => {
    const rows = flattenTree(WAREHOUSE, new Set(), NO_COLUMNS);
    expect(rows).toEqual([
      { type: 'database', key: 'd:warehouse', depth: 0, name: 'warehouse', expanded: false, tableCount: 3 },
    ]);
  });

  it('lists the tables of open schemas only, each schema with its count', () => {
    const open = new Set([databaseKey('warehouse'), schemaKey('warehouse', 'public')]);
    const rows = flattenTree(WAREHOUSE, open, NO_COLUMNS);
    expect(shape(rows)).toEqual(['0:database', '1:schema', '2:table', '2:table', '1:schema']);
    expect(rows[4]).toMatchObject({ name: 'staging', expanded: false, tableCount: 1 });
    expect(rows[3]).toMatchObject({ database: 'warehouse', schema: 'public', table: { kind: 'view' } });
  });

  it('shows an open table’s columns in catalog order, or that they are loading or failed', () => {
    const open = new Set([
      databaseKey('warehouse'),
      schemaKey('warehouse', 'public'),
      tableKey('stb_1'),
      tableKey('stb_2'),
    ]);
    const columns = new Map<string, ColumnsState>([
      ['stb_1', { status: 'loaded', columns: [column('total', 2), column('id', 1)] }],
    ]);
    const rows = flattenTree(WAREHOUSE, open, columns);
    expect(shape(rows)).toEqual([
      '0:database',
      '1:schema',
      '2:table',
      '3:column',
      '3:column',
      '2:table',
      '3:columns-loading',
      '1:schema',
    ]);
    expect(rows.slice(3, 5).map((row) => (row.type === 'column' ? row.column.name : null))).toEqual([
      'id',
      'total',
    ]);

    const failed = flattenTree(
      WAREHOUSE,
      open,
      new Map<string, ColumnsState>([
        ['stb_1', { status: 'error', message: 'The table is gone' }],
        ['stb_2', { status: 'loaded', columns: [] }],
      ]),
    );
    expect(shape(failed).slice(3, 6)).toEqual(['3:columns-error', '2:table', '3:columns-empty']);
  });

  it('gives every row a distinct key, even for names that look alike', () => {
    const tricky: BrowsedDatabase[] = [
      { name: 'a', schemas: [{ name: 'b:c', tables: [table('stb_x', 't')] }] },
      { name: 'a:b', schemas: [{ name: 'c', tables: [table('stb_y', 't')] }] },
    ];
    const rows = flattenTree(tricky, defaultExpanded(tricky), NO_COLUMNS);
    expect(new Set(rows.map((row) => row.key)).size).toBe(rows.length);
  });

  // How fast the browser stays with 5,000 tables is measured in Chromium (e2e/schema-browser), not here.
  it('flattens 5,000 tables of an open schema and draws nothing of folded ones', () => {
    const tables = Array.from({ length: 5_000 }, (_, i) => table(`stb_${i}`, `table_${i}`));
    const big: BrowsedDatabase[] = [{ name: 'big', schemas: [{ name: 'public', tables }] }];
    const rows = flattenTree(big, defaultExpanded(big), NO_COLUMNS);
    expect(rows).toHaveLength(5_002);
    expect(flattenTree(big, new Set([databaseKey('big')]), NO_COLUMNS)).toHaveLength(2);
  });
});

describe('defaultExpanded', () => {
  it('opens every database, and the schemas when there are few', () => {
    expect(defaultExpanded(WAREHOUSE)).toEqual(
      new Set([
        databaseKey('warehouse'),
        schemaKey('warehouse', 'public'),
        schemaKey('warehouse', 'staging'),
      ]),
    );
  });

  it('leaves many schemas folded', () => {
    const many: BrowsedDatabase[] = [
      { name: 'db', schemas: Array.from({ length: 6 }, (_, i) => ({ name: `s${i}`, tables: [] })) },
    ];
    expect(defaultExpanded(many)).toEqual(new Set([databaseKey('db')]));
  });
});

describe('toggle', () => {
  it('opens a folded node and folds an open one without touching the set it was given', () => {
    const before = new Set(['d:a']);
    expect(toggle(before, 'd:b')).toEqual(new Set(['d:a', 'd:b']));
    expect(toggle(before, 'd:a')).toEqual(new Set());
    expect(before).toEqual(new Set(['d:a']));
  });
});

describe('treeKeyAction', () => {
  const open = new Set([databaseKey('warehouse'), schemaKey('warehouse', 'public'), tableKey('stb_1')]);
  const columns = new Map<string, ColumnsState>([
    ['stb_1', { status: 'loaded', columns: [column('id', 1)] }],
  ]);
  // 0 database, 1 public, 2 orders (open), 3 id, 4 daily_revenue, 5 staging (folded)
  const rows = flattenTree(WAREHOUSE, open, columns);

  it('walks the lines with Up and Down, stopping at the ends', () => {
    expect(treeKeyAction(rows, 2, 'ArrowDown')).toEqual({ type: 'focus', index: 3 });
    expect(treeKeyAction(rows, 2, 'ArrowUp')).toEqual({ type: 'focus', index: 1 });
    expect(treeKeyAction(rows, 0, 'ArrowUp')).toEqual({ type: 'focus', index: 0 });
    expect(treeKeyAction(rows, 5, 'ArrowDown')).toEqual({ type: 'focus', index: 5 });
    expect(treeKeyAction(rows, 3, 'Home')).toEqual({ type: 'focus', index: 0 });
    expect(treeKeyAction(rows, 0, 'End')).toEqual({ type: 'focus', index: 5 });
  });

  it('opens a folded line with Right, and steps into an open one', () => {
    expect(treeKeyAction(rows, 5, 'ArrowRight')).toEqual({
      type: 'toggle',
      key: schemaKey('warehouse', 'staging'),
    });
    expect(treeKeyAction(rows, 2, 'ArrowRight')).toEqual({ type: 'focus', index: 3 });
    expect(treeKeyAction(rows, 3, 'ArrowRight')).toBeNull();
  });

  it('folds an open line with Left, and climbs from a column to its table', () => {
    expect(treeKeyAction(rows, 2, 'ArrowLeft')).toEqual({ type: 'toggle', key: tableKey('stb_1') });
    expect(treeKeyAction(rows, 3, 'ArrowLeft')).toEqual({ type: 'focus', index: 2 });
    expect(treeKeyAction(rows, 4, 'ArrowLeft')).toEqual({ type: 'focus', index: 1 });
    expect(treeKeyAction(rows, 5, 'ArrowLeft')).toEqual({ type: 'focus', index: 0 });
  });

  it('leaves other keys to the browser', () => {
    expect(treeKeyAction(rows, 2, 'Enter')).toBeNull();
    expect(treeKeyAction(rows, 99, 'ArrowDown')).toBeNull();
  });
});
