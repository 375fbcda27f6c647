import type { SchemaObjectKind } from '@quarry/contracts';

/** The kind of a table-like object, short enough for a badge. */
export const KIND_LABELS: Readonly<Record<SchemaObjectKind, string>> = {
  table: 'table',
  view: 'view',
  materialized_view: 'mat. view',
};

/** The kind in full, for screen readers and tooltips. */
export const KIND_NAMES: Readonly<Record<SchemaObjectKind, string>> = {
  table: 'Table',
  view: 'View',
  materialized_view: 'Materialized view',
};
