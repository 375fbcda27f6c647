import type { NotebookCell } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { namesAbove, sqlReferencesTo } from './names-above';

const cells: NotebookCell[] = [
  { id: 'a', name: 'about', kind: 'markdown', position: 0, source: '' },
  { id: 'b', name: 'region', kind: 'input', position: 1, input: { type: 'text', default: '' } },
  { id: 'c', name: 'period', kind: 'input', position: 2, input: { type: 'date_range', default: null } },
  { id: 'd', name: 'orders', kind: 'sql', position: 3, connectionId: null, connectionNote: null, source: '' },
  { id: 'e', name: 'totals', kind: 'js', position: 4, source: '' },
];

describe('namesAbove', () => {
  it('lists the inputs and the SQL and JS cells above a cell, in order, and not text cells', () => {
    expect(namesAbove(cells, 'e').map((entry) => entry.name)).toEqual(['region', 'period', 'orders']);
  });

  it('lists nothing above the first cell', () => {
    expect(namesAbove(cells, 'a')).toEqual([]);
  });
});

describe('sqlReferencesTo', () => {
  it('writes inputs as SQL reads them, a date range by its start and end, and no cell results', () => {
    expect(sqlReferencesTo(namesAbove(cells, 'e')).map((option) => option.label)).toEqual([
      '{{region}}',
      '{{period.start}}',
      '{{period.end}}',
    ]);
  });
});
