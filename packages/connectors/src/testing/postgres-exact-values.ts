import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Cell, Column } from '@quarry/contracts';
import postgres from 'postgres';

/**
 * The psql comparison's query (issue 11, "Exact values"), shared by the connector's test and the
 * SDK's end-to-end one: one row with a column per built-in PostgreSQL type, edge values included,
 * and psql's text of it over the same database as the same role with the same session settings.
 * Every value read by Quarry must be psql's text, except booleans (t/f ↔ true/false) and int2/int4
 * (JS numbers whose text is psql's).
 */

export const PSQL = process.env.PSQL_PATH ?? '/usr/bin/psql';
const FIELD = '\u001f';
const NULL_MARK = '\u2400null\u2400';
/** What streamPostgres pins at startup, given to psql the same way (PGOPTIONS are startup options). */
export const PGOPTIONS =
  '-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c TimeZone=UTC -c extra_float_digits=3 -c bytea_output=hex';

/** [column name, SQL expression]; each is also read as a one-element array with a NULL, unless `noArray`. */
type Case = [name: string, expression: string, options?: { noArray?: true }];

export const CASES: Case[] = [
  ['bool_t', 'true'],
  ['bool_f', 'false'],
  ['bytea_zeros', `'\\x00ff0000'::bytea`],
  ['bytea_empty', `''::bytea`],
  ['char1', `'a'::"char"`],
  ['name', `'pg_class'::name`],
  ['int8_min', '(-9223372036854775808)::int8'],
  ['int8_max', '9223372036854775807::int8'],
  ['int8_2_53_plus_1', '9007199254740993::int8'],
  ['int2_min', '(-32768)::int2'],
  ['int4_max', '2147483647::int4'],
  ['int4_min', '(-2147483648)::int4'],
  ['int2vector', `'1 2 3'::int2vector`],
  ['regproc', `'now'::regproc`],
  ['text_escapes', `E'tab\\there\\nnew line \\\\ back "quote" é 😀 \\u0001'`],
  ['text_empty', `''::text`],
  ['text_null', 'null::text'],
  ['text_reads_null', `'NULL'::text`],
  ['oid', '4294967295::oid'],
  ['tid', `'(42,7)'::tid`],
  ['xid', `'4294967295'::xid`],
  ['cid', `'7'::cid`],
  ['oidvector', `'1 2 3'::oidvector`],
  ['pg_type_row', '(select t from pg_type t where t.oid = 16)'],
  [
    'pg_attribute_row',
    `(select a from pg_attribute a where a.attrelid = 'pg_class'::regclass and a.attnum = 1)`,
  ],
  ['pg_proc_row', `(select p from pg_proc p where p.oid = 'now'::regproc)`],
  ['pg_class_row', `(select c from pg_class c where c.oid = 'pg_class'::regclass)`],
  ['json', `'{"b": 1,  "a": [1, 2.50, "ü\\u00e9"], "b": 2}'::json`],
  ['jsonb', `'{"b": 1, "aa": [1, 2.50, "ü"], "a": null, "c": {"z": 1e2, "y": -0}}'::jsonb`],
  ['xml', `'<a b="1">x &amp; y</a>'::xml`],
  ['pg_node_tree', '(select ev_action from pg_rewrite order by oid limit 1)', { noArray: true }],
  ['point', `'(1.5,-2)'::point`],
  ['lseg', `'[(0,0),(1,1)]'::lseg`],
  ['path', `'((0,0),(1,1),(2,0))'::path`],
  ['box', `'(1,1),(0,0)'::box`],
  ['polygon', `'((0,0),(1,1),(1,0))'::polygon`],
  ['line', `'{1,-1,0}'::line`],
  ['circle', `'<(0,0),2.5>'::circle`],
  ['cidr', `'10.1.0.0/16'::cidr`],
  ['inet4', `'192.168.0.1/24'::inet`],
  ['inet6', `'::ffff:1.2.3.4'::inet`],
  ['float4', `'3.14'::float4`],
  ['float4_small', `'1e-7'::float4`],
  ['float4_nan', `'NaN'::float4`],
  ['float8_tenth', '0.1::float8'],
  ['float8_small', '1e-7::float8'],
  ['float8_max', '1.7976931348623157e308::float8'],
  ['float8_denormal', '5e-324::float8'],
  ['float8_inf', `'Infinity'::float8`],
  ['float8_minus_inf', `'-Infinity'::float8`],
  ['float8_nan', `'NaN'::float8`],
  ['float8_minus_zero', `'-0'::float8`],
  ['circle2', `'<(1,2),3>'::circle`],
  ['macaddr8', `'08:00:2b:01:02:03:04:05'::macaddr8`],
  ['money', '1234.56::money'],
  ['macaddr', `'08:00:2b:01:02:03'::macaddr`],
  ['inet_host', `'2001:db8::1'::inet`],
  ['aclitem', `'postgres=arwdDxt/postgres'::aclitem`],
  ['bpchar_padded', `'ab'::char(5)`],
  ['varchar', `'x y'::varchar(10)`],
  ['date', `'2024-02-29'::date`],
  ['date_bc', `'0044-03-15 BC'::date`],
  ['date_inf', `'infinity'::date`],
  ['date_minus_inf', `'-infinity'::date`],
  ['date_far', `'5874897-12-31'::date`],
  ['time', `'23:59:59.999999'::time`],
  ['time_24', `'24:00:00'::time`],
  ['timestamp_us', `'2024-02-29 13:45:00.123456'::timestamp`],
  ['timestamp_inf', `'infinity'::timestamp`],
  ['timestamp_minus_inf', `'-infinity'::timestamp`],
  ['timestamp_bc', `'0044-03-15 12:00:00 BC'::timestamp`],
  ['timestamp_far', `'294276-12-31 23:59:59.999999'::timestamp`],
  ['timestamptz_us', `'2024-02-29 13:45:00.123456+05:30'::timestamptz`],
  ['timestamptz_inf', `'infinity'::timestamptz`],
  ['timestamptz_bc', `'0044-03-15 12:00:00+00 BC'::timestamptz`],
  ['interval', `'1 year 2 mons 3 days 04:05:06.000007'::interval`],
  ['interval_negative', `'-1 days +02:00:00.5'::interval`],
  ['interval_huge', `'178000000 years'::interval`],
  ['timetz', `'13:45:00.5+05:30'::timetz`],
  ['bit', `B'101'::bit(3)`],
  ['varbit', `B'1101'::varbit`],
  ['varbit_empty', `B''::varbit`],
  ['numeric_40', '1234567890123456789012345678901234567890.0123456789::numeric'],
  ['numeric_nan', `'NaN'::numeric`],
  ['numeric_inf', `'-Infinity'::numeric`],
  ['numeric_scale', '0.000100::numeric(10,6)'],
  ['numeric_tiny', '-0.000000000000000000001::numeric'],
  ['refcursor', `'cur'::refcursor`],
  ['regprocedure', `'now()'::regprocedure`],
  ['regoper', `'+(integer,integer)'::regoperator::oid::regoper`],
  ['regoperator', `'+(integer,integer)'::regoperator`],
  ['regclass', `'pg_class'::regclass`],
  ['regtype', `'int4'::regtype`],
  ['record', `row(1, 'a b', null, '', 'x"y')`],
  ['cstring', `'x y'::cstring`],
  ['void', 'pg_sleep(0)', { noArray: true }],
  [
    'anyarray',
    '(select histogram_bounds from pg_stats where histogram_bounds is not null order by tablename, attname limit 1)',
    { noArray: true },
  ],
  ['uuid', `'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid`],
  ['txid_snapshot', `'10:20:10,14,15'::txid_snapshot`],
  ['pg_lsn', `'16/B374D848'::pg_lsn`],
  ['tsvector', `$$a fat:2 cat:1A 'it''s'$$::tsvector`],
  ['tsquery', `'fat & (rat | !cat)'::tsquery`],
  ['regconfig', `'english'::regconfig`],
  ['regdictionary', `'simple'::regdictionary`],
  ['jsonpath', `'$.a[*] ? (@ > 1)'::jsonpath`],
  ['int4range', `'[1,5)'::int4range`],
  ['int4range_empty', `'empty'::int4range`],
  ['numrange', `'(1.5,2.50]'::numrange`],
  ['tsrange', `'[2024-01-01 00:00:00.5,infinity)'::tsrange`],
  ['tstzrange', `'[2024-01-01 00:00+02,)'::tstzrange`],
  ['daterange', `'[0044-03-15 BC,2024-01-01]'::daterange`],
  ['int8range', `'(,9223372036854775806]'::int8range`],
  ['regnamespace', `'pg_catalog'::regnamespace`],
  ['regrole', 'current_user::regrole'],
  ['regcollation', `'"C"'::regcollation`],
  ['int4multirange', `'{[1,3), [5,7)}'::int4multirange`],
  ['nummultirange', `'{(1.5,2]}'::nummultirange`],
  ['tsmultirange', `'{[2024-01-01,2024-01-02)}'::tsmultirange`],
  ['tstzmultirange', `'{}'::tstzmultirange`],
  ['datemultirange', `'{[2024-01-01,2024-01-05), [2024-02-01,)}'::datemultirange`],
  ['int8multirange', `'{[1,2]}'::int8multirange`],
  ['pg_snapshot', `'10:20:10,14,15'::pg_snapshot`],
  ['xid8', `'18446744073709551615'::xid8`],
  // Arrays beyond the one-element ones built below: nesting, quoting, lower bounds, NULL elements.
  ['int4_nested', `'{{1,2},{3,NULL}}'::int4[]`, { noArray: true }],
  ['int4_bounds', `'[0:1]={7,8}'::int4[]`, { noArray: true }],
  ['int4_empty', `'{}'::int4[]`, { noArray: true }],
  ['text_quoting', `array['a b', null, 'NULL', 'x"y', 'a\\b', '', '{}', ' ']`, { noArray: true }],
  ['bytea_elements', `array['\\x00'::bytea, ''::bytea]`, { noArray: true }],
  ['box_elements', `array['(1,1),(0,0)'::box, '(2,2),(1,1)'::box]`, { noArray: true }],
  ['jsonb_elements', `array['{"b": 1, "a": "x,y"}'::jsonb, 'null'::jsonb]`, { noArray: true }],
  // Types of the database's own: an enum and a domain over numeric.
  ['enum', `'happy'::mood`],
  ['domain', '12.50::money_amount', { noArray: true }],
];

/**
 * Built-in types of `pg_type` (oid < 10000) no case covers, each with its reason: they have no input
 * function, exist only inside the server, or are pseudo-types no column can have.
 */
export const NOT_COVERED: Record<string, string> = {
  pg_ddl_command: 'internal to event triggers, no input',
  table_am_handler: 'pseudo-type',
  index_am_handler: 'pseudo-type',
  unknown: 'a select list resolves unknown literals to text',
  pg_database: 'catalog row type; the pg_type row stands for them',
  pg_authid: 'catalog row type a reader may not read',
  pg_auth_members: 'catalog row type; the pg_type row stands for them',
  pg_shseclabel: 'catalog row type; the pg_type row stands for them',
  pg_subscription: 'catalog row type a reader may not read',
  any: 'pseudo-type',
  trigger: 'pseudo-type',
  language_handler: 'pseudo-type',
  internal: 'pseudo-type',
  anyelement: 'pseudo-type',
  anynonarray: 'pseudo-type',
  fdw_handler: 'pseudo-type',
  tsm_handler: 'pseudo-type',
  anyenum: 'pseudo-type',
  event_trigger: 'pseudo-type',
  anyrange: 'pseudo-type',
  anymultirange: 'pseudo-type',
  anycompatible: 'pseudo-type',
  anycompatiblearray: 'pseudo-type',
  anycompatiblenonarray: 'pseudo-type',
  anycompatiblerange: 'pseudo-type',
  anycompatiblemultirange: 'pseudo-type',
  gtsvector: 'GiST storage type, no input',
  pg_ndistinct: 'extended statistics data, no input',
  pg_dependencies: 'extended statistics data, no input',
  pg_mcv_list: 'extended statistics data, no input',
  pg_brin_bloom_summary: 'BRIN summary, no input',
  pg_brin_minmax_multi_summary: 'BRIN summary, no input',
};

/** Where psql signs in: the role Quarry's connection uses. */
export type PsqlTarget = { host: string; port: number; database: string; username: string; password: string };

/** The query, and its column names in order. */
export function exactValuesQuery(): { sql: string; names: string[] } {
  const items: [string, string][] = [];
  for (const [name, expression, options] of CASES) {
    items.push([name, expression]);
    if (!options?.noArray) items.push([`${name}_array`, `array[${expression}, null]`]);
  }
  items.push(['end_marker', `'end'`]);
  return {
    sql: `select ${items.map(([name, expression]) => `${expression} as "${name}"`).join(',\n  ')}`,
    names: items.map(([name]) => name),
  };
}

/**
 * The warehouse's own types the cases use (an enum, a domain), statistics for `anyarray`, and
 * database defaults that would change the text if Quarry did not pin its session settings.
 */
export async function prepareExactValuesWarehouse(adminUrl: string, database: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create type mood as enum ('sad', 'happy')`);
    await admin.unsafe('create domain money_amount as numeric(12, 2)');
    await admin.unsafe('analyze');
    const db = `"${database.replace(/"/g, '""')}"`;
    await admin.unsafe(`alter database ${db} set datestyle = 'SQL, DMY'`);
    await admin.unsafe(`alter database ${db} set timezone = 'America/New_York'`);
    await admin.unsafe(`alter database ${db} set intervalstyle = 'iso_8601'`);
    await admin.unsafe(`alter database ${db} set extra_float_digits = -3`);
    await admin.unsafe(`alter database ${db} set bytea_output = 'escape'`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** psql's text of a one-row query's values, NULL as null, signed in as `target` over TLS. */
export async function psqlRow(
  target: PsqlTarget,
  sql: string,
  options: string = PGOPTIONS,
): Promise<(string | null)[]> {
  const { stdout } = await promisify(execFile)(
    PSQL,
    ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-F', FIELD, '-P', `null=${NULL_MARK}`, '-c', sql],
    {
      // The password goes in the environment, not on the command line other processes can read.
      env: {
        PATH: process.env.PATH ?? '',
        PGHOST: target.host,
        PGPORT: String(target.port),
        PGDATABASE: target.database,
        PGUSER: target.username,
        PGPASSWORD: target.password,
        PGSSLMODE: 'require',
        PGCLIENTENCODING: 'UTF8',
        PGOPTIONS: options,
      },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (!stdout.endsWith('\n')) throw new Error('psql printed no full line');
  return stdout
    .slice(0, -1)
    .split(FIELD)
    .map((text) => (text === NULL_MARK ? null : text));
}

/** The cell psql's text should have become: the text itself but for booleans and int2/int4. */
export function expectedCell(text: string | null, column: Column): Cell {
  if (text === null) return null;
  if (column.dbType === 'bool') return text === 't';
  if (column.dbType === 'int2' || column.dbType === 'int4') return Number(text);
  return text;
}

/** Each column whose value is not what psql printed, described; empty when all agree. */
export function differencesFromPsql(columns: Column[], row: Cell[], printed: (string | null)[]): string[] {
  const differences: string[] = [];
  columns.forEach((column, i) => {
    const want = expectedCell(printed[i] ?? null, column);
    const got = row[i];
    const sameNumberText = typeof got === 'number' && String(got) === printed[i];
    if (!Object.is(got, want) || (typeof got === 'number' && !sameNumberText))
      differences.push(
        `${column.name} (${column.dbType}): got ${JSON.stringify(got)}, psql ${JSON.stringify(printed[i])}`,
      );
  });
  if (printed.length !== columns.length)
    differences.push(`psql printed ${printed.length} values for ${columns.length} columns`);
  return differences;
}
