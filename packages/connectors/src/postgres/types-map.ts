import type { Column, ColumnType } from '@quarry/contracts';

/**
 * The driver's parsers for the values Quarry takes as they come: the server's text for every type
 * (no Date, no JSON.parse, no Buffer, no float), except booleans and int2/int4, which postgres.js
 * parses exactly. Each OID listed gets the identity; OIDs postgres.js has no parser for (int8,
 * numeric, arrays with `fetch_types: false`, everything else) are already left as text.
 */
export const EXACT_TEXT_TYPES = {
  quarryText: {
    to: 25,
    // oid, float4, float8, json, jsonb, date, timestamp, timestamptz, bytea: parsed by default.
    from: [26, 700, 701, 114, 3802, 1082, 1114, 1184, 17],
    parse: (text: string) => text,
  },
};

/**
 * Session settings that shape the server's text, so it does not depend on the server's, database's
 * or role's defaults. DateStyle and TimeZone go in the startup message: every server speaking the
 * protocol knows them, and poolers (PgBouncer) track them per client. The others are unknown to
 * some (Redshift refuses a startup message naming IntervalStyle or bytea_output; PgBouncer one
 * naming extra_float_digits), so PIN_TEXT_SETTINGS_SQL sets them inside the run's transaction,
 * each only where the server has it. `extra_float_digits=3` is the shortest exact text on
 * PostgreSQL 12+ (any value above 0 is) and 17 exact digits on older servers, where 1 would lose
 * the last bit. The cell's SQL may change them for its own run.
 */
export const EXACT_TEXT_SETTINGS = {
  DateStyle: 'ISO, MDY',
  TimeZone: 'UTC',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
} as const;

/** What the startup message carries of EXACT_TEXT_SETTINGS. */
export const EXACT_TEXT_STARTUP = {
  DateStyle: EXACT_TEXT_SETTINGS.DateStyle,
  TimeZone: EXACT_TEXT_SETTINGS.TimeZone,
} as const;

/**
 * A select-list expression that sets the rest of EXACT_TEXT_SETTINGS for the transaction (local),
 * skipping any the server does not have. Static text: no value in it comes from a user. Each is
 * looked up by name (`current_setting(…, true)` answers null for a setting the server lacks), not
 * found by a scan of pg_settings, which formats every setting the server has at every run.
 */
export const PIN_TEXT_SETTINGS_SQL = `array_length(array_remove(array[${(
  ['IntervalStyle', 'extra_float_digits', 'bytea_output'] as const
)
  .map(
    (name) =>
      `case when pg_catalog.current_setting('${name}', true) is not null then pg_catalog.set_config('${name}', '${EXACT_TEXT_SETTINGS[name]}', true) end`,
  )
  .join(', ')}], null), 1)`;

// Generated from pg_type (PostgreSQL 15, oid < 10000), the types every server has built in.
// Base, pseudo, range, multirange and catalog row types: OID → [pg_type name, logical type].
const BASE: Record<number, readonly [string, ColumnType]> = {
  16: ['bool', 'boolean'],
  17: ['bytea', 'bytes'],
  18: ['char', 'text'],
  19: ['name', 'text'],
  20: ['int8', 'integer'],
  21: ['int2', 'integer'],
  22: ['int2vector', 'other'],
  23: ['int4', 'integer'],
  24: ['regproc', 'other'],
  25: ['text', 'text'],
  26: ['oid', 'integer'],
  27: ['tid', 'other'],
  28: ['xid', 'integer'],
  29: ['cid', 'integer'],
  30: ['oidvector', 'other'],
  32: ['pg_ddl_command', 'other'],
  71: ['pg_type', 'other'],
  75: ['pg_attribute', 'other'],
  81: ['pg_proc', 'other'],
  83: ['pg_class', 'other'],
  114: ['json', 'json'],
  142: ['xml', 'other'],
  194: ['pg_node_tree', 'other'],
  269: ['table_am_handler', 'other'],
  325: ['index_am_handler', 'other'],
  600: ['point', 'other'],
  601: ['lseg', 'other'],
  602: ['path', 'other'],
  603: ['box', 'other'],
  604: ['polygon', 'other'],
  628: ['line', 'other'],
  650: ['cidr', 'other'],
  700: ['float4', 'float'],
  701: ['float8', 'float'],
  705: ['unknown', 'other'],
  718: ['circle', 'other'],
  774: ['macaddr8', 'other'],
  790: ['money', 'other'],
  829: ['macaddr', 'other'],
  869: ['inet', 'other'],
  1033: ['aclitem', 'other'],
  1042: ['bpchar', 'text'],
  1043: ['varchar', 'text'],
  1082: ['date', 'date'],
  1083: ['time', 'time'],
  1114: ['timestamp', 'timestamp'],
  1184: ['timestamptz', 'timestamptz'],
  1186: ['interval', 'interval'],
  1248: ['pg_database', 'other'],
  1266: ['timetz', 'time'],
  1560: ['bit', 'other'],
  1562: ['varbit', 'other'],
  1700: ['numeric', 'decimal'],
  1790: ['refcursor', 'other'],
  2202: ['regprocedure', 'other'],
  2203: ['regoper', 'other'],
  2204: ['regoperator', 'other'],
  2205: ['regclass', 'other'],
  2206: ['regtype', 'other'],
  2249: ['record', 'other'],
  2275: ['cstring', 'other'],
  2276: ['any', 'other'],
  2277: ['anyarray', 'other'],
  2278: ['void', 'other'],
  2279: ['trigger', 'other'],
  2280: ['language_handler', 'other'],
  2281: ['internal', 'other'],
  2283: ['anyelement', 'other'],
  2776: ['anynonarray', 'other'],
  2842: ['pg_authid', 'other'],
  2843: ['pg_auth_members', 'other'],
  2950: ['uuid', 'uuid'],
  2970: ['txid_snapshot', 'other'],
  3115: ['fdw_handler', 'other'],
  3220: ['pg_lsn', 'other'],
  3310: ['tsm_handler', 'other'],
  3361: ['pg_ndistinct', 'other'],
  3402: ['pg_dependencies', 'other'],
  3500: ['anyenum', 'other'],
  3614: ['tsvector', 'other'],
  3615: ['tsquery', 'other'],
  3642: ['gtsvector', 'other'],
  3734: ['regconfig', 'other'],
  3769: ['regdictionary', 'other'],
  3802: ['jsonb', 'json'],
  3831: ['anyrange', 'other'],
  3838: ['event_trigger', 'other'],
  3904: ['int4range', 'other'],
  3906: ['numrange', 'other'],
  3908: ['tsrange', 'other'],
  3910: ['tstzrange', 'other'],
  3912: ['daterange', 'other'],
  3926: ['int8range', 'other'],
  4066: ['pg_shseclabel', 'other'],
  4072: ['jsonpath', 'other'],
  4089: ['regnamespace', 'other'],
  4096: ['regrole', 'other'],
  4191: ['regcollation', 'other'],
  4451: ['int4multirange', 'other'],
  4532: ['nummultirange', 'other'],
  4533: ['tsmultirange', 'other'],
  4534: ['tstzmultirange', 'other'],
  4535: ['datemultirange', 'other'],
  4536: ['int8multirange', 'other'],
  4537: ['anymultirange', 'other'],
  4538: ['anycompatiblemultirange', 'other'],
  4600: ['pg_brin_bloom_summary', 'other'],
  4601: ['pg_brin_minmax_multi_summary', 'other'],
  5017: ['pg_mcv_list', 'other'],
  5038: ['pg_snapshot', 'other'],
  5069: ['xid8', 'integer'],
  5077: ['anycompatible', 'other'],
  5078: ['anycompatiblearray', 'other'],
  5079: ['anycompatiblenonarray', 'other'],
  5080: ['anycompatiblerange', 'other'],
  6101: ['pg_subscription', 'other'],
};

// Their array types: array OID → element OID (`_int4` is named `int4[]`).
const ARRAYS: Record<number, number> = {
  143: 142,
  199: 114,
  210: 71,
  270: 75,
  271: 5069,
  272: 81,
  273: 83,
  629: 628,
  651: 650,
  719: 718,
  775: 774,
  791: 790,
  1000: 16,
  1001: 17,
  1002: 18,
  1003: 19,
  1005: 21,
  1006: 22,
  1007: 23,
  1008: 24,
  1009: 25,
  1010: 27,
  1011: 28,
  1012: 29,
  1013: 30,
  1014: 1042,
  1015: 1043,
  1016: 20,
  1017: 600,
  1018: 601,
  1019: 602,
  1020: 603,
  1021: 700,
  1022: 701,
  1027: 604,
  1028: 26,
  1034: 1033,
  1040: 829,
  1041: 869,
  1115: 1114,
  1182: 1082,
  1183: 1083,
  1185: 1184,
  1187: 1186,
  1231: 1700,
  1263: 2275,
  1270: 1266,
  1561: 1560,
  1563: 1562,
  2201: 1790,
  2207: 2202,
  2208: 2203,
  2209: 2204,
  2210: 2205,
  2211: 2206,
  2287: 2249,
  2949: 2970,
  2951: 2950,
  3221: 3220,
  3643: 3614,
  3644: 3642,
  3645: 3615,
  3735: 3734,
  3770: 3769,
  3807: 3802,
  3905: 3904,
  3907: 3906,
  3909: 3908,
  3911: 3910,
  3913: 3912,
  3927: 3926,
  4073: 4072,
  4090: 4089,
  4097: 4096,
  4192: 4191,
  5039: 5038,
  6150: 4451,
  6151: 4532,
  6152: 4533,
  6153: 4534,
  6155: 4535,
  6157: 4536,
};

/** The pg_type name of a built-in OID (`int4`, `int4[]`), or `oid:N` for a type of the database's own. */
function typeOf(oid: number): readonly [string, ColumnType] | undefined {
  const base = BASE[oid];
  if (base) return base;
  const element = ARRAYS[oid];
  const name = element === undefined ? undefined : BASE[element]?.[0];
  return name ? [`${name}[]`, 'array'] : undefined;
}

/**
 * A result column: its name, Quarry's logical type and the database's name for its type. Types of
 * the database's own (enums, domains over them, extensions) are `other`, named by OID; their values
 * are still the server's exact text. `timeZone` names the zone timestamptz values were written in.
 */
export function columnFor(name: string, oid: number, timeZone?: string): Column {
  const known = typeOf(oid);
  const column: Column = { name, type: known?.[1] ?? 'other', dbType: known?.[0] ?? `oid:${oid}` };
  if (column.type === 'timestamptz') column.timeZone = timeZone ?? EXACT_TEXT_SETTINGS.TimeZone;
  return column;
}

/** Every built-in OID this module names, for the test that checks none is missing. */
export const NAMED_OIDS: readonly number[] = [...Object.keys(BASE), ...Object.keys(ARRAYS)].map(Number);
