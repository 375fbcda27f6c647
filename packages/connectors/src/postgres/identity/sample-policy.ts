import { DEFAULT_IDENTITY_SCHEMA, sqlName } from './install-sql';

/**
 * A policy that shows a row to the reader it names (by Quarry user id) and to the members of the
 * group it names (by Quarry group id); every other row, and every row when no verified identity is
 * set, stays hidden. The identity functions sit in scalar subqueries, so PostgreSQL verifies the
 * claims once per query instead of once per row.
 *
 * RLS binds whoever is not the table's owner and has no BYPASSRLS: the Quarry connection's role
 * must be neither (nor able to `SET ROLE` to such a role). `force row level security` also binds
 * the owner, which keeps a mistaken grant of ownership from opening every row.
 */
export function samplePolicySql(input: {
  schema?: string;
  /** The table, as `schema.table` or `table`. */
  table: string;
  userColumn: string;
  groupColumn?: string;
  policyName?: string;
}): string {
  const identity = sqlName(input.schema ?? DEFAULT_IDENTITY_SCHEMA, 'identity schema');
  const table = input.table
    .split('.')
    .map((part) => sqlName(part, 'table name'))
    .join('.');
  const policy = sqlName(input.policyName ?? 'quarry_reader_rows', 'policy name');
  const user = sqlName(input.userColumn, 'user column');
  const byGroup = input.groupColumn
    ? `\n    or ${sqlName(input.groupColumn, 'group column')} = any ((select ${identity}.reader_group_ids())::text[])`
    : '';
  return `alter table ${table} enable row level security;
alter table ${table} force row level security;
drop policy if exists ${policy} on ${table};
create policy ${policy} on ${table} for select
  using (
    ${user} = (select ${identity}.reader_id())${byGroup}
  );
`;
}
