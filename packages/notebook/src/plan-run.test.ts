import type { InputValue } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import type { GraphCell } from './graph';
import { planConnectionIds, planRun } from './plan-run';
import { demoNotebook, dialectOf } from './testing-cells';

const plan = (targetCellId: string, inputs: Record<string, InputValue> = {}, cells = demoNotebook()) =>
  planRun({ cells, targetCellId, inputs, dialectOf });

describe('planRun', () => {
  it('plans a SQL cell as one step with its input bound', () => {
    expect(plan('cel_orders', { status: 'shipped' })).toEqual({
      ok: true,
      value: {
        steps: [
          {
            kind: 'sql',
            cellId: 'cel_orders',
            name: 'orders',
            connectionId: 'con_pg',
            sql: "select * from orders where status = $1 and note <> '{{status}}'",
            params: ['shipped'],
          },
        ],
        inputs: { status: 'shipped' },
      },
    });
  });

  it('plans a JS cell after the SQL and JS cells it needs, in notebook order', () => {
    const result = plan('cel_final', { since: '2024-06-01' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.steps.map((s) => [s.kind, s.name])).toEqual([
      ['sql', 'orders'],
      ['js', 'summary'],
      ['sql', 'other'],
      ['js', 'final'],
    ]);
    expect(result.value.steps[2]).toMatchObject({
      connectionId: 'con_my',
      sql: 'select ? as d',
      params: ['2024-06-01'],
    });
    expect(result.value.steps[1]).toMatchObject({ kind: 'js', uses: ['orders', 'since'] });
    expect(result.value.steps[3]).toMatchObject({ kind: 'js', uses: ['summary', 'other'] });
    expect(result.value.inputs).toEqual({ status: 'pending', since: '2024-06-01' });
    expect(planConnectionIds(result.value)).toEqual(['con_pg', 'con_my']);
  });

  it('plans a JS cell that reads nothing as itself alone, on no connection', () => {
    const cells: GraphCell[] = [
      { id: 'cel_js', name: 'js_1', position: 0, kind: 'js', source: 'return 1 + 1' },
    ];
    const result = plan('cel_js', {}, cells);
    expect(result.ok && result.value).toEqual({
      steps: [{ kind: 'js', cellId: 'cel_js', name: 'js_1', source: 'return 1 + 1', uses: [] }],
      inputs: {},
    });
    expect(result.ok && planConnectionIds(result.value)).toEqual([]);
  });

  it.each([["'; drop table orders; --"], ['$1'], ['{{status}}']])(
    'refuses %j, which is not an option of the select input status',
    (value) => {
      expect(plan('cel_orders', { status: value })).toMatchObject({
        ok: false,
        error: { code: 'notebook.invalid_input', details: { input: 'status' } },
      });
    },
  );

  it.each([["'; drop table orders; --"], ["x' or '1'='1"], ['$1); drop table orders; --']])(
    'keeps the text value %j a bound parameter, out of the SQL',
    (value) => {
      const cells = demoNotebook().map((c) =>
        c.name === 'status' ? { ...c, input: { type: 'text' as const, default: '' } } : c,
      );
      const result = plan('cel_orders', { status: value }, cells);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const [step] = result.value.steps;
      expect(step?.kind === 'sql' && step.sql).toBe(
        "select * from orders where status = $1 and note <> '{{status}}'",
      );
      expect(step?.kind === 'sql' && step.params).toEqual([value]);
    },
  );

  it.each<[string, string, Record<string, InputValue>, string, Record<string, unknown>]>([
    ['an input', 'cel_status', {}, 'notebook.not_runnable', { cell: 'status' }],
    ['a Markdown cell', 'cel_md', {}, 'notebook.not_runnable', { cell: 'intro' }],
    ['an unknown cell', 'cel_nope', {}, 'not_found.cell', {}],
    ['a bad date', 'cel_other', { since: 'yesterday' }, 'notebook.invalid_input', { input: 'since' }],
    [
      'an input name the notebook lacks',
      'cel_orders',
      { "status'--": 'x' },
      'notebook.invalid_input',
      { input: "status'--" },
    ],
  ])('refuses %s', (_, target, inputs, code, details) => {
    const error = Object.keys(details).length ? { code, details } : { code };
    expect(plan(target, inputs)).toMatchObject({ ok: false, error });
  });

  it.each<[string, string, string, string, Record<string, unknown>]>([
    ['a SQL cell with no connection', 'orders', 'conn:none', 'run.no_connection', { cell: 'orders' }],
    [
      'a SQL cell on a connection the project lacks',
      'orders',
      'conn:con_gone',
      'connections.not_in_project',
      { cell: 'orders' },
    ],
    [
      'an upstream JS syntax error',
      'summary',
      'return (',
      'notebook.js_syntax',
      { cell: 'summary', line: 1 },
    ],
    [
      'an upstream unknown SQL reference',
      'orders',
      'select {{nope}}',
      'notebook.unknown_reference',
      { name: 'nope' },
    ],
    [
      'an upstream forward reference',
      'summary',
      'return final',
      'notebook.forward_reference',
      { cell: 'summary', name: 'final' },
    ],
  ])('refuses a JS target with %s upstream', (_, name, change, code, details) => {
    const cells = demoNotebook().map((c): GraphCell => {
      if (c.name !== name) return c;
      if (c.kind === 'sql' && change.startsWith('conn:')) {
        const id = change.slice(5);
        return { ...c, connectionId: id === 'none' ? null : id };
      }
      return c.kind === 'sql' || c.kind === 'js' ? { ...c, source: change } : c;
    });
    expect(plan('cel_final', {}, cells)).toMatchObject({ ok: false, error: { code, details } });
  });
});
