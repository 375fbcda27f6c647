import type { GraphCell } from './graph';
import type { SqlDialect } from './sql-references';

/**
 * A small notebook the tests share: Markdown, an input, a PostgreSQL SQL cell reading it, a second
 * input, a JS cell summarising the SQL cell, a MySQL SQL cell and a JS cell reading both.
 */
export function demoNotebook(): GraphCell[] {
  return [
    { id: 'cel_md', name: 'intro', position: 0, kind: 'markdown', source: '# Orders {{status}}' },
    {
      id: 'cel_status',
      name: 'status',
      position: 1,
      kind: 'input',
      input: {
        type: 'select',
        options: { from: 'list', values: ['pending', 'shipped'] },
        default: 'pending',
      },
    },
    {
      id: 'cel_orders',
      name: 'orders',
      position: 2,
      kind: 'sql',
      connectionId: 'con_pg',
      source: "select * from orders where status = {{status}} and note <> '{{status}}'",
    },
    {
      id: 'cel_since',
      name: 'since',
      position: 3,
      kind: 'input',
      input: { type: 'date', default: '2024-01-01' },
    },
    {
      id: 'cel_summary',
      name: 'summary',
      position: 4,
      kind: 'js',
      source: 'const n = orders.length; return { n, since, status: orders[0]?.status }',
    },
    {
      id: 'cel_other',
      name: 'other',
      position: 5,
      kind: 'sql',
      connectionId: 'con_my',
      source: 'select {{since}} as d',
    },
    { id: 'cel_final', name: 'final', position: 6, kind: 'js', source: 'return [summary, other.length]' },
  ];
}

export const dialects: Record<string, SqlDialect> = { con_pg: 'postgresql', con_my: 'mysql' };
export const dialectOf = (id: string): SqlDialect | null => dialects[id] ?? null;
