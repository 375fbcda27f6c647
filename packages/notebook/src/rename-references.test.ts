import { describe, expect, it } from 'vitest';
import type { GraphCell } from './graph';
import { renameReferences } from './rename-references';
import { dialectOf } from './testing-cells';

const cells = (...sources: Array<[string, 'sql' | 'js' | 'markdown', string]>): GraphCell[] => [
  { id: 'cel_in', name: 'status', position: 1, kind: 'input', input: { type: 'text', default: '' } },
  ...sources.map(([name, kind, source], i): GraphCell => {
    const header = { id: `cel_${name}`, name, position: i < 1 ? 0 : i + 1 };
    if (kind === 'sql') return { ...header, kind, connectionId: 'con_my', source };
    return { ...header, kind, source };
  }),
];

describe('renameReferences', () => {
  it.each<[string, 'sql' | 'js', string, string]>([
    ['SQL {{old}}', 'sql', 'select {{status}}, {{ status }}', 'select {{order_status}}, {{ order_status }}'],
    [
      'SQL {{old.start}} and {{old.end}}',
      'sql',
      'where d between {{status.start}} and {{status.end}}',
      'where d between {{order_status.start}} and {{order_status.end}}',
    ],
    [
      'not inside SQL strings, identifiers or comments',
      'sql',
      "select '{{status}}', `{{status}}` # {{status}}\n, {{status}}",
      "select '{{status}}', `{{status}}` # {{status}}\n, {{order_status}}",
    ],
    [
      'other names are left alone',
      'sql',
      'select {{status_x}}, {{xstatus}}',
      'select {{status_x}}, {{xstatus}}',
    ],
    ['a JS free identifier', 'js', 'return status + 1', 'return order_status + 1'],
    [
      'not a JS property or key',
      'js',
      'return { status: row.status, s: status }',
      'return { status: row.status, s: order_status }',
    ],
    [
      'not a JS string',
      'js',
      'return "status" + `status $' + '{status}`',
      'return "status" + `status $' + '{order_status}`',
    ],
    ['a shorthand keeps its key', 'js', 'return { status }', 'return { status: order_status }'],
    [
      'not where a local shadows it',
      'js',
      'const f = (status) => status; return f(status)',
      'const f = (status) => status; return f(order_status)',
    ],
    ['a JS cell that does not parse is left as it is', 'js', 'return status +', 'return status +'],
  ])('rewrites %s', (_, kind, source, expected) => {
    const notebook = cells(['above', kind, source], ['below', kind, source]);
    const result = renameReferences(notebook, 'status', 'order_status', dialectOf);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // Only cells below the renamed one may read it.
    expect(result.value.find((r) => r.cellId === 'cel_above')).toBeUndefined();
    const below = result.value.find((r) => r.cellId === 'cel_below');
    expect(below?.source ?? source).toBe(expected);
  });

  it('refuses a new name a JS cell reading the old one declares itself', () => {
    const notebook = cells(
      ['above', 'markdown', ''],
      ['js', 'js', 'const order_status = 1; return status + order_status'],
    );
    expect(renameReferences(notebook, 'status', 'order_status', dialectOf)).toMatchObject({
      ok: false,
      error: { code: 'notebook.name_taken', details: { name: 'order_status', cell: 'js' } },
    });
  });

  it('allows that new name in a JS cell that does not read the old one', () => {
    const notebook = cells(
      ['above', 'markdown', ''],
      ['js', 'js', 'const order_status = 1; return order_status'],
    );
    expect(renameReferences(notebook, 'status', 'order_status', dialectOf)).toEqual({ ok: true, value: [] });
  });
});
