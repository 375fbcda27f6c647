import type { SchemaSearchHit } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { schemaCompletions } from './schema-completion';

const hit = (patch: Partial<SchemaSearchHit>): SchemaSearchHit => ({
  type: 'table',
  database: 'warehouse',
  schema: 'public',
  table: null,
  column: null,
  tableId: null,
  tableKind: null,
  dbType: null,
  ...patch,
});

describe('schemaCompletions', () => {
  it('offers tables with their schema and columns with their table and type', () => {
    expect(
      schemaCompletions([
        hit({ type: 'table', table: 'orders', tableKind: 'table' }),
        hit({ type: 'column', table: 'orders', column: 'ordered_at', dbType: 'timestamptz' }),
      ]),
    ).toEqual([
      { label: 'orders', type: 'class', detail: 'public', boost: 1 },
      { label: 'ordered_at', type: 'property', detail: 'orders · timestamptz' },
    ]);
  });

  it('offers a column found in several tables once', () => {
    const options = schemaCompletions([
      hit({ type: 'column', table: 'orders', column: 'id', dbType: 'int4' }),
      hit({ type: 'column', table: 'customers', column: 'id', dbType: 'int4' }),
    ]);
    expect(options).toEqual([{ label: 'id', type: 'property', detail: 'in several tables' }]);
  });

  it('marks a view apart from a table and leaves databases and schemas out', () => {
    expect(
      schemaCompletions([
        hit({ type: 'database', database: 'warehouse' }),
        hit({ type: 'schema', schema: 'public' }),
        hit({ type: 'table', table: 'daily_revenue', tableKind: 'view' }),
      ]).map((option) => [option.label, option.type]),
    ).toEqual([['daily_revenue', 'interface']]);
  });
});
