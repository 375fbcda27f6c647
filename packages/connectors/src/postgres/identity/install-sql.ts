import { CLAIMS_SETTING, IdentityKey, identityKeyId } from './claims';

/**
 * A schema or role name the generated SQL may carry: letters, digits and underscores, within
 * PostgreSQL's 63 bytes. Anything wider (quotes, dollars, spaces) would need quoting inside
 * dollar-quoted bodies, where one mistake is SQL injection into an Admin's superuser session.
 */
const SQL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export const DEFAULT_IDENTITY_SCHEMA = 'quarry_identity';

/** `value` double-quoted, once it passed SQL_NAME; throws otherwise (a bug or an Admin's typo). */
export function sqlName(value: string, what: string): string {
  if (!SQL_NAME.test(value)) {
    throw new Error(
      `The ${what} must be letters, digits and underscores (at most 63), starting with a letter`,
    );
  }
  return `"${value}"`;
}

/** A workspace id as a SQL literal: ids are `wsp_…` and the like, so only their alphabet passes. */
function workspaceLiteral(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) throw new Error('A workspace id is letters, digits, _ and -');
  return `'${value}'`;
}

export type IdentityInstall = {
  /** The schema that holds the key table and the functions (default `quarry_identity`). */
  schema?: string;
  /** The roles Quarry connections log in as (and any role they read as), granted EXECUTE. */
  readerRoles: readonly string[];
  /**
   * Owns the schema, the key table and the functions; the SECURITY DEFINER verifier runs as it.
   * A NOLOGIN role no reader is, or can become, a member of (default `<schema>_owner`).
   */
  ownerRole?: string;
};

/**
 * The SQL that installs (or updates) identity passthrough in one warehouse database, run by a
 * superuser (it creates a role). Idempotent: run it again after an upgrade of Quarry, or to add a
 * reader role. It creates no key: `identityKeySql` adds one.
 *
 * What it builds:
 * - `<schema>.signing_key`: the keys, readable by the owner role only: nobody else gets any grant,
 *   and forced row-level security hides its rows from anyone else who reads all tables anyway
 *   (`pg_read_all_data`).
 * - `<schema>.hmac_sha256(key, message)` and `hmac_pad`: HMAC-SHA256 from PostgreSQL's built-in
 *   `sha256`; the key's pads are generated columns (PostgreSQL 12+), so a verification costs
 *   three SHA-256 and no byte-wise loop. Not pgcrypto: an extension's functions live in whatever
 *   schema it was created in, and whoever owns that schema can drop and replace them, which would
 *   let them forge; the built-in in pg_catalog cannot be shadowed and needs nothing installed.
 *   Owner only.
 * - `<schema>.current_reader()`: SECURITY DEFINER, answers the verified claims as jsonb, or NULL
 *   unless the token in the claims setting is well formed, signed by a key in the table, for that
 *   key's workspace, bound to this very session (`pg_backend_pid()`) and transaction (its start
 *   time), and not expired. It never throws on a bad token (no exception block either: a
 *   subtransaction is refused inside a parallel query), so a forged token shows nothing instead of
 *   failing in ways that could tell the forger something.
 * - `reader_id()`, `reader_email()`, `reader_workspace_id()`, `reader_run_id()`,
 *   `reader_group_ids()`, `reader_groups()`: what policies call.
 *
 * Every function pins `search_path` to pg_catalog (then pg_temp, which functions are never looked
 * up in) and names its own schema's objects in full, so a caller's `set search_path` cannot put
 * other functions or operators under them. Bodies avoid backslashes and NULL comparisons, so
 * `standard_conforming_strings` and `transform_null_equals`, which a caller may also set, change
 * nothing, and `#variable_conflict error` pins how names resolve.
 */
export function identityInstallSql(install: IdentityInstall): string {
  const schemaName = install.schema ?? DEFAULT_IDENTITY_SCHEMA;
  const schema = sqlName(schemaName, 'identity schema');
  const ownerName = install.ownerRole ?? `${schemaName}_owner`;
  const owner = sqlName(ownerName, 'owner role');
  if (install.readerRoles.length === 0) throw new Error('Name at least one reader role');
  const readers = install.readerRoles.map((role) => sqlName(role, 'reader role'));
  if (install.readerRoles.includes(ownerName))
    throw new Error('A reader role cannot own the identity schema');
  const readerList = readers.join(', ');
  const readerLiterals = install.readerRoles.map((role) => `'${role}'`).join(', ');
  const pinned = 'set search_path = pg_catalog, pg_temp';
  const tokenPattern = '^v1[.][0-9a-f]{16}[.][A-Za-z0-9+/]+={0,2}[.][0-9a-f]{64}$';
  const readerFunctions = [
    'current_reader()',
    'reader_id()',
    'reader_email()',
    'reader_workspace_id()',
    'reader_run_id()',
    'reader_group_ids()',
    'reader_groups()',
  ];
  const allFunctions = [...readerFunctions, 'hmac_sha256(bytea, bytea)', 'hmac_pad(bytea, integer)'];
  const accessor = (name: string, returns: string, body: string) => `
create or replace function ${schema}.${name}() returns ${returns}
language sql stable parallel restricted ${pinned}
as $fn$ ${body} $fn$;`;

  return `-- Quarry identity passthrough (CONN-5): install or update. Idempotent. Run as a superuser.
begin;

do $install$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = '${ownerName}') then
    create role ${owner} nologin;
  end if;
end
$install$;

-- The verifier runs as the owner: a reader that is, or can become, the owner could read the key.
do $install$
declare r text;
begin
  foreach r in array array[${readerLiterals}]::text[] loop
    if pg_catalog.pg_has_role(r, '${ownerName}', 'MEMBER') then
      raise exception 'Role % can act as ${ownerName}, which owns the signing key: revoke that membership first', r;
    end if;
  end loop;
end
$install$;

create schema if not exists ${schema} authorization ${owner};
alter schema ${schema} owner to ${owner};
revoke all on schema ${schema} from public;
grant usage on schema ${schema} to ${readerList};

-- One byte-wise pass over the key, done once per key (generated columns below), never per query.
create or replace function ${schema}.hmac_pad(key bytea, pad integer) returns bytea
language plpgsql immutable strict parallel safe ${pinned}
as $fn$
#variable_conflict error
declare
  v_block bytea := key;
begin
  if pg_catalog.length(v_block) > 64 then
    v_block := pg_catalog.sha256(v_block);
  end if;
  v_block := v_block || pg_catalog.decode(pg_catalog.repeat('00', 64 - pg_catalog.length(v_block)), 'hex');
  for i in 0..63 loop
    v_block := pg_catalog.set_byte(v_block, i, pg_catalog.get_byte(v_block, i) # pad);
  end loop;
  return v_block;
end
$fn$;

create or replace function ${schema}.hmac_sha256(key bytea, message bytea) returns bytea
language sql immutable strict parallel safe ${pinned}
as $fn$
  select pg_catalog.sha256(${schema}.hmac_pad(key, 92) || pg_catalog.sha256(${schema}.hmac_pad(key, 54) || message))
$fn$;

create table if not exists ${schema}.signing_key (
  kid text primary key,
  key bytea not null check (pg_catalog.length(key) = 32),
  workspace_id text not null,
  created_at timestamptz not null default pg_catalog.now()
);
alter table ${schema}.signing_key
  add column if not exists inner_pad bytea generated always as (${schema}.hmac_pad(key, 54)) stored,
  add column if not exists outer_pad bytea generated always as (${schema}.hmac_pad(key, 92)) stored;
alter table ${schema}.signing_key owner to ${owner};
revoke all on table ${schema}.signing_key from public, ${readerList};
-- Grants are not the only way to SELECT: members of pg_read_all_data (PostgreSQL 14+, a common
-- choice for an analytics role) read every table. Row-level security still binds them, so the
-- keys show to the owner, as whom the verifier runs, and to no one else.
alter table ${schema}.signing_key enable row level security;
alter table ${schema}.signing_key force row level security;
drop policy if exists owner_only on ${schema}.signing_key;
create policy owner_only on ${schema}.signing_key to ${owner} using (true);

create or replace function ${schema}.current_reader() returns jsonb
language plpgsql stable security definer parallel restricted ${pinned}
as $fn$
#variable_conflict error
declare
  v_token text := pg_catalog.current_setting('${CLAIMS_SETTING}', true);
  v_parts text[];
  v_inner bytea;
  v_outer bytea;
  v_workspace text;
  v_mac bytea;
  v_claims jsonb;
begin
  -- The whole token is matched before anything is decoded: nothing below can throw on it.
  if v_token is null or not coalesce(v_token ~ '${tokenPattern}', false) then
    return null;
  end if;
  v_parts := pg_catalog.string_to_array(v_token, '.');
  select k.inner_pad, k.outer_pad, k.workspace_id into v_inner, v_outer, v_workspace
    from ${schema}.signing_key k where k.kid = v_parts[2];
  if v_inner is null or v_outer is null then
    return null;
  end if;
  -- HMAC-SHA256 (as hmac_sha256 computes it) from the key's precomputed pads.
  v_mac := pg_catalog.sha256(v_outer || pg_catalog.sha256(
    v_inner || pg_catalog.convert_to(v_parts[1] || '.' || v_parts[2] || '.' || v_parts[3], 'UTF8')));
  -- Compared through a keyed hash, so how long a comparison takes says nothing about the MAC.
  if not coalesce(
    pg_catalog.sha256(v_inner || v_mac) = pg_catalog.sha256(v_inner || pg_catalog.decode(v_parts[4], 'hex')),
    false
  ) then
    return null;
  end if;
  -- Signed, so written by Quarry: well-formed JSON with every field below.
  v_claims := pg_catalog.convert_from(pg_catalog.decode(v_parts[3], 'base64'), 'UTF8')::jsonb;
  if not coalesce(
    v_claims ->> 'ws' = v_workspace
    and v_claims ->> 'pid' = pg_catalog.pg_backend_pid()::text
    and v_claims ->> 'xs' = pg_catalog.to_char(
      pg_catalog.timezone('UTC', pg_catalog.transaction_timestamp()), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    and (v_claims ->> 'exp')::bigint > pg_catalog.date_part('epoch', pg_catalog.clock_timestamp())::bigint,
    false
  ) then
    return null;
  end if;
  return v_claims;
end
$fn$;
${accessor('reader_id', 'text', `select ${schema}.current_reader() ->> 'sub'`)}
${accessor('reader_email', 'text', `select ${schema}.current_reader() ->> 'email'`)}
${accessor('reader_workspace_id', 'text', `select ${schema}.current_reader() ->> 'ws'`)}
${accessor('reader_run_id', 'text', `select ${schema}.current_reader() ->> 'run'`)}
${accessor(
  'reader_group_ids',
  'text[]',
  `select array(select g ->> 'id' from pg_catalog.jsonb_array_elements(${schema}.current_reader() -> 'groups') g)`,
)}
${accessor(
  'reader_groups',
  'text[]',
  `select array(select g ->> 'name' from pg_catalog.jsonb_array_elements(${schema}.current_reader() -> 'groups') g)`,
)}

${allFunctions.map((f) => `alter function ${schema}.${f} owner to ${owner};`).join('\n')}
${allFunctions.map((f) => `revoke all on function ${schema}.${f} from public;`).join('\n')}
${readerFunctions.map((f) => `grant execute on function ${schema}.${f} to ${readerList};`).join('\n')}

commit;
`;
}

/**
 * Adds one connection's key (or rebinds it to its workspace). The key is in the text: show it to
 * the Admin once, to run at the warehouse, and never log it. Tokens signed by this key verify only
 * for `workspaceId`: whoever holds a key can speak for any reader of that workspace, never of
 * another one sharing the warehouse.
 */
export function identityKeySql(input: { schema?: string; key: IdentityKey; workspaceId: string }): string {
  const schema = sqlName(input.schema ?? DEFAULT_IDENTITY_SCHEMA, 'identity schema');
  const key = IdentityKey.parse(input.key);
  return `insert into ${schema}.signing_key (kid, key, workspace_id)
values ('${identityKeyId(key)}', pg_catalog.decode('${key}', 'hex'), ${workspaceLiteral(input.workspaceId)})
on conflict (kid) do update set workspace_id = excluded.workspace_id;
`;
}

/** The psql variable the key SQL template reads the key from. */
export const IDENTITY_KEY_PSQL_VARIABLE = 'identity_key';

/**
 * `identityKeySql` without the key in it: the key comes from a psql variable, so Quarry can show
 * the statement without ever showing the key, which stays write-only (the Admin made it and pasted
 * it into the connection). Run it as `psql -v identity_key=<the key> -f key.sql`. The key's id is
 * derived in SQL exactly as `identityKeyId` derives it.
 */
export function identityKeySqlTemplate(input: { schema?: string; workspaceId: string }): string {
  const schema = sqlName(input.schema ?? DEFAULT_IDENTITY_SCHEMA, 'identity schema');
  const variable = `:'${IDENTITY_KEY_PSQL_VARIABLE}'`;
  return `insert into ${schema}.signing_key (kid, key, workspace_id)
select pg_catalog.left(pg_catalog.encode(pg_catalog.sha256(
         pg_catalog.convert_to('quarry-identity-kid', 'UTF8') || pg_catalog.decode('00', 'hex') || given.key),
       'hex'), 16),
       given.key, ${workspaceLiteral(input.workspaceId)}
from (select pg_catalog.decode(${variable}, 'hex') as key) as given
on conflict (kid) do update set workspace_id = excluded.workspace_id;
`;
}

/** Retires a key (after the connection got a new one): tokens it signed stop verifying at once. */
export function identityKeyRevokeSql(input: { schema?: string; key: IdentityKey }): string {
  const schema = sqlName(input.schema ?? DEFAULT_IDENTITY_SCHEMA, 'identity schema');
  return `delete from ${schema}.signing_key where kid = '${identityKeyId(IdentityKey.parse(input.key))}';\n`;
}
