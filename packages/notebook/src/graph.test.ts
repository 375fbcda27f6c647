import { describe, expect, it } from 'vitest';
import {
  checkMove,
  checkReads,
  downstreamOf,
  type GraphCell,
  readCells,
  staleAfter,
  upstreamOf,
} from './graph';
import { demoNotebook, dialectOf } from './testing-cells';

const names = (cells: GraphCell[]) => cells.map((c) => c.name);
const cell = (cells: GraphCell[], name: string): GraphCell => {
  const found = cells.find((c) => c.name === name);
  if (!found) throw new Error(`no cell ${name}`);
  return found;
};

describe('the notebook graph', () => {
  const cells = demoNotebook();

  it.each<[string, string[]]>([
    ['intro', []],
    ['status', []],
    ['orders', ['status']],
    ['summary', ['orders', 'since']],
    ['other', ['since']],
    ['final', ['summary', 'other']],
  ])('%s reads %j', (name, expected) => {
    const read = readCells(cell(cells, name), cells, dialectOf);
    expect(read.ok && names(read.value).sort()).toEqual([...expected].sort());
  });

  it.each<[string, string[]]>([
    ['orders', ['status']],
    ['summary', ['status', 'orders', 'since']],
    ['final', ['status', 'orders', 'since', 'summary', 'other']],
    ['intro', []],
  ])('the upstream of %s is %j in notebook order', (name, expected) => {
    expect(names(upstreamOf(cells, cell(cells, name).id, dialectOf))).toEqual(expected);
  });

  it.each<[string[], string[]]>([
    [['cel_status'], ['orders', 'summary', 'final']],
    [['cel_since'], ['summary', 'other', 'final']],
    [['cel_final'], []],
    [['cel_md'], []],
  ])('downstream of %j is %j', (ids, expected) => {
    expect(names(downstreamOf(cells, ids, dialectOf))).toEqual(expected);
  });

  it.each<[string[], string[]]>([
    [['cel_since'], ['summary', 'other', 'final']],
    [['cel_orders'], ['orders', 'summary', 'final']],
    [
      ['cel_status', 'cel_other'],
      ['orders', 'summary', 'other', 'final'],
    ],
  ])('after %j changes, the stale cells are %j', (ids, expected) => {
    expect(names(staleAfter(cells, ids, dialectOf))).toEqual(expected);
  });

  it.each<[string, string, string, string]>([
    ['SQL reading a cell result', 'select {{summary}}', 'notebook.unknown_reference', 'summary'],
    ['SQL reading nothing', 'select {{nope}}', 'notebook.unknown_reference', 'nope'],
    ['SQL reading an input below', 'select {{later}}', 'notebook.forward_reference', 'later'],
  ])('checkReads refuses %s', (_, source, code, name) => {
    const withLater: GraphCell[] = [
      ...cells,
      { id: 'cel_q', name: 'q', position: 7, kind: 'sql', connectionId: 'con_pg', source },
      { id: 'cel_later', name: 'later', position: 8, kind: 'input', input: { type: 'text', default: '' } },
    ];
    const result = checkReads(cell(withLater, 'q'), withLater, dialectOf);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.details?.name).toBe(name);
  });

  it('checkReads refuses a JS cell reading a cell below it, naming both', () => {
    const edited = cells.map((c) => (c.name === 'summary' ? { ...c, source: 'return final' } : c));
    const result = checkReads(cell(edited, 'summary'), edited, dialectOf);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'notebook.forward_reference', details: { cell: 'summary', name: 'final' } },
    });
  });

  it('checkReads ignores JS globals and Markdown names', () => {
    const edited = cells.map((c) =>
      c.name === 'summary' ? { ...c, source: 'return Math.max(intro, orders.length)' } : c,
    );
    const result = checkReads(cell(edited, 'summary'), edited, dialectOf);
    expect(result.ok && names(result.value)).toEqual(['orders']);
  });

  it.each<[string, number, string, string]>([
    ['summary', 1, 'summary', 'orders'],
    ['status', 3, 'orders', 'status'],
    ['orders', 6, 'summary', 'orders'],
    ['final', 0, 'final', 'summary'],
    ['other', 3, 'other', 'since'],
  ])('refuses moving %s to %i: %s would read %s from below', (name, position, reader, read) => {
    const result = checkMove(cells, cell(cells, name).id, position, dialectOf);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'notebook.forward_reference', details: { cell: reader, name: read } },
    });
  });

  it.each<[string, number, string[]]>([
    ['intro', 6, ['status', 'orders', 'since', 'summary', 'other', 'final', 'intro']],
    ['since', 0, ['since', 'intro', 'status', 'orders', 'summary', 'other', 'final']],
    ['other', 4, ['intro', 'status', 'orders', 'since', 'other', 'summary', 'final']],
    ['final', 99, ['intro', 'status', 'orders', 'since', 'summary', 'other', 'final']],
  ])('moves %s to %i keeping positions dense', (name, position, order) => {
    const result = checkMove(cells, cell(cells, name).id, position, dialectOf);
    expect(result.ok && result.value.map((c) => [c.name, c.position])).toEqual(order.map((n, i) => [n, i]));
  });

  it('lets a cell whose read already pointed down move elsewhere', () => {
    const broken = cells.map((c) => (c.name === 'summary' ? { ...c, source: 'return final' } : c));
    expect(checkMove(broken, 'cel_summary', 2, dialectOf).ok).toBe(true);
  });
});
