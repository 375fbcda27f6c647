import { describe, expect, it } from 'vitest';
import { downstreamOf, type GraphCell, referencesOf, runFingerprint, upstreamOf } from './cell-graph';

const names = new Set(['region', 'period', 'orders', 'totals']);

describe('referencesOf', () => {
  it.each([
    { name: 'reads an input in double braces', kind: 'sql', source: 'select {{region}}', refs: ['region'] },
    {
      name: 'reads a date range by its start and end',
      kind: 'sql',
      source: 'where d between {{ period.start }} and {{period.end}}',
      refs: ['period'],
    },
    { name: 'ignores braces inside a SQL string', kind: 'sql', source: "select '{{region}}'", refs: [] },
    { name: 'ignores braces inside a SQL comment', kind: 'sql', source: 'select 1 -- {{region}}', refs: [] },
    { name: 'ignores a name not above the cell', kind: 'sql', source: 'select {{nowhere}}', refs: [] },
    {
      name: 'reads earlier cells by identifier in JS',
      kind: 'js',
      source: 'return orders.map((o) => o.total + totals.length)',
      refs: ['orders', 'totals'],
    },
    {
      name: 'ignores a property that has a cell name in JS',
      kind: 'js',
      source: 'return row.orders',
      refs: [],
    },
    { name: 'ignores a JS string that names a cell', kind: 'js', source: 'return "orders"', refs: [] },
    { name: 'reads nothing in Markdown', kind: 'markdown', source: '{{region}} orders', refs: [] },
  ] as const)('$name', ({ kind, source, refs }) => {
    expect(referencesOf(kind, source, names)).toEqual(refs);
  });
});

const cells: GraphCell[] = [
  { id: 'a', name: 'region', kind: 'input', source: '' },
  { id: 'b', name: 'orders', kind: 'sql', source: 'select * from orders where region = {{region}}' },
  { id: 'c', name: 'note', kind: 'markdown', source: '# Orders' },
  { id: 'd', name: 'totals', kind: 'js', source: 'return orders.length' },
  { id: 'e', name: 'other', kind: 'sql', source: 'select 1' },
  { id: 'f', name: 'both', kind: 'js', source: 'return { totals, other }' },
];

describe('the graph', () => {
  it('finds the upstream of a cell through other cells, in order', () => {
    expect(upstreamOf(cells, 'f')).toEqual(['a', 'b', 'd', 'e']);
  });

  it('finds the downstream of an input through other cells, in order', () => {
    expect(downstreamOf(cells, 'a')).toEqual(['b', 'd', 'f']);
  });

  it('finds no downstream of a cell nothing reads', () => {
    expect(downstreamOf(cells, 'c')).toEqual([]);
  });

  it('does not let a cell read one below it', () => {
    const upward: GraphCell[] = [
      { id: 'x', name: 'early', kind: 'js', source: 'return late' },
      { id: 'y', name: 'late', kind: 'js', source: 'return 1' },
    ];
    expect(upstreamOf(upward, 'x')).toEqual([]);
  });
});

describe('runFingerprint', () => {
  const base = runFingerprint(cells, 'd', { region: 'EU' });

  it('changes when an upstream input value changes', () => {
    expect(runFingerprint(cells, 'd', { region: 'US' })).not.toBe(base);
  });

  it('changes when an upstream cell text changes', () => {
    const edited = cells.map((cell) =>
      cell.id === 'b' ? { ...cell, source: `${cell.source} limit 5` } : cell,
    );
    expect(runFingerprint(edited, 'd', { region: 'EU' })).not.toBe(base);
  });

  it('stays when a cell the run does not read changes', () => {
    const edited = cells.map((cell) => (cell.id === 'e' ? { ...cell, source: 'select 2' } : cell));
    expect(runFingerprint(edited, 'd', { region: 'EU' })).toBe(base);
  });

  it('stays when only its own text changes', () => {
    const edited = cells.map((cell) =>
      cell.id === 'd' ? { ...cell, source: 'return orders.length + 1' } : cell,
    );
    expect(runFingerprint(edited, 'd', { region: 'EU' })).toBe(base);
  });
});
