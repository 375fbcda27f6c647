import type { Cell } from '@quarry/contracts';
import { createTestWarehouse, holdAdvisoryGate, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellsOf, copied } from '../testing/copy-events';
import type { PostgresConfig, StreamEvent, StreamOptions } from '../types';
import { parameterRead, parameterSettingsSql, withParameterReads } from './copy-parameters';
import { type PassthroughEvent, streamPostgresCopy } from './copy-stream';
import { streamPostgres } from './stream';

// COPY for statements with bound parameters: each value bound to a set_config of the run's
// transaction with the type the server inferred, read back in the COPY by a typed current_setting.
// Every case is compared with what the cursor path (the values bound to the statement itself)
// returns for the same statement and values, on the real server.

const ORDERS = 2_000;

let warehouse: TestWarehouse;
let admin: postgres.Sql;
let config: PostgresConfig;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: ORDERS });
  admin = postgres(warehouse.adminUrl, { max: 2, onnotice: () => {} });
  config = { ...warehouse.settings, password: warehouse.reader.password };
}, 60_000);

afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

type Param = string | number | boolean | null;
const defaults: StreamOptions = { rowLimit: 100_000, timeoutMs: 10_000, allow: LOOPBACK };

async function viaCopy(text: string, params: Param[], options: Partial<StreamOptions> = {}) {
  const events: PassthroughEvent[] = [];
  for await (const event of streamPostgresCopy(config, text, params, { ...defaults, ...options }))
    events.push(event);
  return events;
}

async function viaCursor(text: string, params: Param[], options: Partial<StreamOptions> = {}) {
  const events: StreamEvent[] = [];
  for await (const event of streamPostgres(config, text, params, { ...defaults, ...options }))
    events.push(event);
  return events;
}

/** Runs both paths; the COPY path must have used COPY and returned what the cursor did. */
async function same(text: string, params: Param[]): Promise<Cell[][]> {
  const [copy, cursor] = await Promise.all([viaCopy(text, params), viaCursor(text, params)]);
  expect(cursor.at(-1)?.type).toBe('end');
  expect(copied(copy)).toBeGreaterThan(0);
  expect(copy.some((e) => e.type === 'rows')).toBe(false);
  expect(copy[0]).toEqual(cursor[0]);
  expect(cellsOf(copy)).toEqual(cellsOf(cursor));
  expect(copy.at(-1)).toEqual(cursor.at(-1));
  return cellsOf(copy);
}

async function activeCopies(): Promise<string[]> {
  const rows = await admin<{ query: string }[]>`
    select query from pg_stat_activity
    where datname = ${warehouse.reader.database} and state = 'active' and query like 'copy (%'
      and pid <> pg_backend_pid()`;
  return rows.map((r) => r.query);
}

describe('COPY for statements with bound parameters', () => {
  it('returns text values with quotes, backslashes, tabs, newlines, COPY escapes and unicode exactly', async () => {
    const values = [
      `it's a "quote"`,
      'back\\slash \\N \\t and a real\ttab\nnewline\r',
      'ünïcødé 日本語 🎉 \u00a0',
      '',
      'v',
    ];
    const rows = await same(
      'select $1::text as a, $2::text as b, $3::text as c, $4::text as d, $5::text as e, length($3) as n',
      values,
    );
    expect(rows).toEqual([[...values, [...'ünïcødé 日本語 🎉 \u00a0'].length]]);
  });

  it('keeps NULL a real NULL, apart from the empty string, for any type', async () => {
    const rows = await same(
      'select $1::text as a, $2::text as b, $1 is null as a_null, $2 is null as b_null, $3::int as c, $4::date as d, $5::int[] as e',
      ['', null, null, null, null],
    );
    expect(rows).toEqual([['', null, false, true, null, null, null]]);
  });

  it('leaves $1 alone inside string literals, quoted identifiers, dollar quotes, comments and identifiers', async () => {
    const text = [
      "select $1 as \"$1\", '$1' as plain, E'it\\'s $1' as escaped, $$ $1 $$ as dollar, $q$ '$1' $q$ as tagged,",
      '  /* $1 /* nested $1 */ still $1 */ $2::int + 1 as next, -- $1 in a comment',
      "  'x' as a$1, U&'$1' as unicode",
    ].join('\n');
    const rows = await same(text, ['value', 41]);
    expect(rows).toEqual([['value', '$1', "it's $1", ' $1 ', " '$1' ", 42, 'x', '$1']]);
  });

  it('binds numbers, booleans, dates, timestamps, intervals, arrays, JSON and numeric text as the cursor path does', async () => {
    const rows = await same(
      [
        'select $1::int as i, $2::numeric as n, $3::float8 as f, $4::bigint as b, $5 as flag, not $5 as not_flag,',
        '  $6::date as d, $7::timestamptz as tz, $8::interval as iv, $9::int[] as ints, $10::text[] as texts,',
        '  $11::jsonb as j, $12::uuid as u, $13::bpchar as padded, $14::numeric + 1 as bigger, $15::timestamp as ts',
      ].join('\n'),
      [
        42,
        '12345678901234567890.123456789012345',
        0.1,
        '9007199254740993',
        true,
        '2024-02-29',
        '2024-02-29T12:34:56.123Z',
        '1 year 2 mons 3 days 04:05:06.789',
        '{1,2,3}',
        '{"a b","c\\"d",NULL,"x,y"}',
        '{"a": [1, 2.50]}',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        'ab  ',
        '-0.000000000000000000001',
        '2024-02-29T12:34:56.123Z',
      ],
    );
    expect(rows[0]?.slice(0, 6)).toEqual([
      42,
      '12345678901234567890.123456789012345',
      '0.1',
      '9007199254740993',
      true,
      false,
    ]);
    expect(rows[0]?.[13]).toBe('ab  ');
  });

  it('binds parameters whose type the server infers from the statement (a bigint column, an any() array, a range)', async () => {
    const rows = await same(
      'select id, status from orders where id = any($1) and id <= $2 and ordered_at < $3 and total > $4 order by id',
      ['{3,1,2,2000,5000}', 2000, '2100-01-01', '0'],
    );
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '2000']);
  });

  it('reads a parameter used several times, and as a subscript and field base', async () => {
    const rows = await same(
      'select $1 || $1 as twice, ($2::int[])[2] as second, $2[1] as first, $1 = $1 as eq',
      ['ab', '{10,20}'],
    );
    expect(rows).toEqual([['abab', 20, 10, true]]);
  });

  it.each([
    "'); drop table orders; --",
    "x') to '/tmp/quarry-copy-escape' --",
    '$1',
    "' || current_setting('quarry.p2') || '",
    "\\'; select 1; --",
    "$$; copy orders to '/tmp/quarry-copy-escape'; $$",
    '*/ select 1 /*',
  ])('returns an injection attempt through a value as that value, and changes nothing: %s', async (value) => {
    const rows = await same('select $1::text as v, $2::text as w, count(*) as n from orders', [
      value,
      'second',
    ]);
    expect(rows).toEqual([[value, 'second', String(ORDERS)]]);
    const [row] = await admin<{ n: number }[]>`select count(*)::int as n from orders`;
    expect(row?.n).toBe(ORDERS);
  });

  it('fails a value the parameter type refuses with the cursor path’s error', async () => {
    const text = 'select id from orders where id = $1';
    const [copy, cursor] = await Promise.all([viaCopy(text, ['abc']), viaCursor(text, ['abc'])]);
    expect(copy.at(-1)?.type).toBe('error');
    expect(copy.at(-1)).toEqual(cursor.at(-1));
    expect(copied(copy)).toBe(0);
  });

  it('sends the COPY with reads of settings, never with the values in its text', async () => {
    const marker = 'marker-a8f3c1-value';
    // The COPY waits on an advisory lock the test holds, so it is still running whenever the test
    // looks (no clock decides it).
    const gate = await holdAdvisoryGate(warehouse.adminUrl);
    const done = viaCopy(`select ${gate.sql}, $1::text as v`, [marker]);
    let seen: string[] = [];
    try {
      const deadline = Date.now() + 15_000;
      while (seen.length === 0 && Date.now() < deadline) {
        seen = await activeCopies();
        if (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await gate.open();
    }
    const events = await done;

    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain("pg_catalog.current_setting('quarry.p1')");
    expect(seen[0]).not.toContain(marker);
    expect(cellsOf(events)).toEqual([['', marker]]);
  });

  it('keeps the row limit, the identity prepare step and the timeout of a run with parameters', async () => {
    const truncated = await viaCopy('select id from orders where id > $1 order by id', [10], {
      rowLimit: 25,
    });
    expect(cellsOf(truncated)).toHaveLength(25);
    expect(cellsOf(truncated)[0]).toEqual(['11']);
    expect(truncated.at(-1)).toEqual({ type: 'end', rowCount: 25, truncated: true });

    const prepared = await viaCopy(
      "select current_setting('quarry.probe', true) as probe, $1::text as v",
      ['p'],
      {
        prepare: async (query) => {
          await query("select set_config('quarry.probe', $1, true)", ['set by prepare']);
        },
      },
    );
    expect(cellsOf(prepared)).toEqual([['set by prepare', 'p']]);

    const slow = await viaCopy('select pg_sleep(5), $1::int as x', [1], { timeoutMs: 300 });
    expect(slow.at(-1)).toMatchObject({ type: 'error', error: { code: 'sql.timeout' } });
  });

  it('leaves statements COPY cannot take to the cursor path, parameters and all', async () => {
    const text = 'explain select * from orders where id = $1';
    const [copy, cursor] = await Promise.all([viaCopy(text, [1]), viaCursor(text, [1])]);
    expect(copied(copy)).toBe(0);
    expect(copy).toEqual(cursor);
  });
});

describe('the parameter settings', () => {
  it('do not outlive the transaction that set them', async () => {
    const sql = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
    try {
      const reserved = await sql.reserve();
      try {
        await reserved.unsafe('begin');
        const [names] = await reserved.unsafe(parameterSettingsSql([25, 23], [false, true]), [
          reserved.typed('kept inside' as never, 25),
          reserved.typed(null as never, 23),
        ]);
        expect(names).toMatchObject({ t1: 'text', t2: 'integer' });
        const [inside] = await reserved.unsafe(
          `select ${parameterRead(1, 'text')} as a, ${parameterRead(2, 'integer')} as b`,
        );
        expect(inside).toEqual({ a: 'kept inside', b: null });
        await reserved.unsafe('rollback');
        const [after] = await reserved.unsafe(
          "select current_setting('quarry.p1', true) as p1, current_setting('quarry.p2', true) as p2",
        );
        expect([after?.p1 ?? '', after?.p2 ?? '']).toEqual(['', '']);
      } finally {
        reserved.release();
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it('name each type as the server spells it for a cast, quoted where needed', async () => {
    // bit, bpchar and "char" are the names format_type(oid, null) would get wrong for a cast.
    const types = [1560, 1042, 18, 1114, 1007, 1043];
    const [names] = await admin.unsafe(
      parameterSettingsSql(
        types,
        types.map(() => true),
      ),
      types.map((type) => admin.typed(null as never, type)),
    );
    expect(Object.values(names ?? {}).filter((_, i) => i % 2 === 1)).toEqual([
      '"bit"',
      'bpchar',
      '"char"',
      'timestamp without time zone',
      'integer[]',
      'character varying',
    ]);
  });

  it('rewrite only the placeholders, and refuse one that names no parameter', () => {
    expect(withParameterReads("select $1, '$1', $2", ['text', 'integer'])).toBe(
      `select ${parameterRead(1, 'text')}, '$1', ${parameterRead(2, 'integer')}`,
    );
    expect(withParameterReads('select $3', ['text'])).toBeNull();
    expect(withParameterReads('select $0', ['text'])).toBeNull();
  });
});
