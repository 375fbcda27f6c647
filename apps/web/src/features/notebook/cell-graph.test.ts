import type { NotebookCell } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { IDLE_RUN } from '../runs/run-view';
import { downstreamIds, runFingerprint, upstreamCells } from './cell-graph';
import { graphCells, rerunAfterInputChange } from './graph-cells';

const cells: NotebookCell[] = [
  { id: 'a', name: 'region', kind: 'input', position: 0, input: { type: 'text', default: 'EU' } },
  {
    id: 'b',
    name: 'orders',
    kind: 'sql',
    position: 1,
    connectionId: 'con_a',
    connectionNote: null,
    source: 'select * from orders where region = {{region}}',
  },
  { id: 'c', name: 'note', kind: 'markdown', position: 2, source: '# Orders {{region}}' },
  { id: 'd', name: 'totals', kind: 'js', position: 3, source: 'return orders.length' },
  {
    id: 'e',
    name: 'other',
    kind: 'sql',
    position: 4,
    connectionId: 'con_a',
    connectionNote: null,
    source: 'select 1',
  },
  { id: 'f', name: 'both', kind: 'js', position: 5, source: 'return { totals, other }' },
];

const edit = (id: string, source: string) => graphCells(cells, { [id]: source });

describe('the graph the notebook marks and runs by', () => {
  it('finds the upstream of a cell through other cells, in order', () => {
    expect(upstreamCells(cells, 'f').map((cell) => cell.id)).toEqual(['a', 'b', 'd', 'e']);
  });

  it('finds the downstream of an input through other cells, in order', () => {
    expect(downstreamIds(cells, 'a')).toEqual(['b', 'd', 'f']);
  });

  it('finds no downstream of a cell nothing reads', () => {
    expect(downstreamIds(cells, 'c')).toEqual([]);
  });

  it('reads a reference typed and not yet saved', () => {
    expect(downstreamIds(edit('e', 'select {{region}}'), 'a')).toEqual(['b', 'd', 'e', 'f']);
  });
});

describe('runFingerprint', () => {
  const base = runFingerprint(cells, 'd', { region: 'EU' });

  it('changes when an upstream input value changes', () => {
    expect(runFingerprint(cells, 'd', { region: 'US' })).not.toBe(base);
  });

  it('changes when an upstream cell text changes', () => {
    expect(
      runFingerprint(edit('b', 'select * from orders where region = {{region}} limit 5'), 'd', {
        region: 'EU',
      }),
    ).not.toBe(base);
  });

  it('stays when a cell the run does not read changes', () => {
    expect(runFingerprint(edit('e', 'select 2'), 'd', { region: 'EU' })).toBe(base);
  });

  it('stays when only its own text changes', () => {
    expect(runFingerprint(edit('d', 'return orders.length + 1'), 'd', { region: 'EU' })).toBe(base);
  });
});

describe('graphCells', () => {
  it('gives the same array for the same cells and drafts, so the graph is computed once', () => {
    const drafts = { b: 'select 1' };
    expect(graphCells(cells, drafts)).toBe(graphCells(cells, drafts));
    expect(graphCells(cells, drafts)[1]).toMatchObject({ source: 'select 1' });
  });
});

describe('rerunAfterInputChange', () => {
  const done = { ...IDLE_RUN, phase: 'done' as const };

  it('runs again the SQL and JS cells that read the input and show a result', () => {
    expect(rerunAfterInputChange(cells, { drafts: {}, results: { b: done, d: done, f: done } }, 'a')).toEqual(
      ['b', 'd', 'f'],
    );
  });

  it('leaves the cells not run yet for Run', () => {
    expect(rerunAfterInputChange(cells, { drafts: {}, results: { b: done } }, 'a')).toEqual(['b']);
  });

  it('runs nothing for an input nothing reads', () => {
    expect(rerunAfterInputChange(cells, { drafts: { b: 'select 1' }, results: { b: done } }, 'a')).toEqual(
      [],
    );
  });
});
