import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellsOf, copied } from '../testing/copy-events';
import {
  differencesFromPsql,
  exactValuesQuery,
  prepareExactValuesWarehouse,
  psqlRow,
} from '../testing/postgres-exact-values';
import type { ConnectorError, PostgresConfig, StreamEvent, StreamOptions } from '../types';
import { type PassthroughEvent, streamPostgresCopy } from './copy-stream';
import { streamPostgres } from './stream';

const ORDERS = 20_000;

let warehouse: TestWarehouse;
let admin: postgres.Sql;
let config: PostgresConfig;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: ORDERS });
  admin = postgres(warehouse.adminUrl, { max: 2, onnotice: () => {} });
  await prepareExactValuesWarehouse(warehouse.adminUrl, warehouse.reader.database);
  config = { ...warehouse.settings, password: warehouse.reader.password };
}, 60_000);

afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

const defaults: StreamOptions = { rowLimit: 100_000, timeoutMs: 10_000, allow: LOOPBACK };

async function collect(
  text: string,
  params: readonly (string | number | boolean | null)[] = [],
  options: Partial<StreamOptions> = {},
): Promise<PassthroughEvent[]> {
  const events: PassthroughEvent[] = [];
  for await (const event of streamPostgresCopy(config, text, params, { ...defaults, ...options }))
    events.push(event);
  return events;
}

function errorOf(events: PassthroughEvent[]): ConnectorError {
  const last = events.at(-1);
  if (last?.type !== 'error') throw new Error(`expected an error event, got ${JSON.stringify(last)}`);
  return last.error;
}

async function viaCursor(text: string): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of streamPostgres(config, text, [], defaults)) events.push(event);
  return events;
}

async function activeQueries(like: string): Promise<number> {
  const [row] = await admin<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
    where datname = ${warehouse.reader.database} and state = 'active' and query like ${like}
      and pid <> pg_backend_pid()`;
  return row?.n ?? -1;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('streamPostgresCopy', () => {
  it('passes the server COPY text through, read back into exactly the cells the cursor path gives', async () => {
    const text = 'select * from orders order by id';
    const [copy, cursor] = await Promise.all([collect(text, [], { batchSize: 700 }), viaCursor(text)]);

    expect(copied(copy)).toBeGreaterThan(1);
    expect(copy.some((e) => e.type === 'rows')).toBe(false);
    expect(copy[0]).toEqual(cursor[0]);
    const rows = cellsOf(copy);
    expect(rows).toHaveLength(ORDERS);
    expect(rows).toEqual(cellsOf(cursor));
    expect(copy.at(-1)).toEqual({ type: 'end', rowCount: ORDERS, truncated: false });
  });

  it('hands over every built-in type exactly as psql -At prints it, value by value', async () => {
    const { sql, names } = exactValuesQuery();
    const [events, printed] = await Promise.all([collect(sql), psqlRow(warehouse.reader, sql)]);

    expect(copied(events)).toBe(1);
    const columns = events.find((e) => e.type === 'columns')?.columns ?? [];
    expect(columns.map((c) => c.name)).toEqual(names);
    const rows = cellsOf(events);
    expect(rows).toHaveLength(1);
    expect(differencesFromPsql(columns, rows[0] ?? [], printed)).toEqual([]);
  });

  it('keeps NULL apart from the empty string, and tabs, newlines and backslashes inside values', async () => {
    const events = await collect(
      `select null::text as a, ''::text as b, E'tab\\there\\nline\\\\slash\\r' as c, true as d, false as e, 7::int2 as f, null::bool as g`,
    );

    expect(copied(events)).toBe(1);
    expect(cellsOf(events)).toEqual([[null, '', 'tab\there\nline\\slash\r', true, false, 7, null]]);
  });

  describe('the row limit', () => {
    it.each([1, 1500, 5000])('stops at a rowLimit of %i and marks the result truncated', async (rowLimit) => {
      const events = await collect('select id from orders order by id', [], { rowLimit, batchSize: 1000 });

      const rows = cellsOf(events);
      expect(rows).toHaveLength(rowLimit);
      expect(rows.at(-1)).toEqual([String(rowLimit)]);
      expect(events.at(-1)).toEqual({ type: 'end', rowCount: rowLimit, truncated: true });
    });

    it('does not mark a result of exactly rowLimit rows truncated', async () => {
      const events = await collect('select id from orders order by id limit 100', [], { rowLimit: 100 });

      expect(cellsOf(events)).toHaveLength(100);
      expect(events.at(-1)).toEqual({ type: 'end', rowCount: 100, truncated: false });
    });

    it('leaves no query running on the server after a truncated result', async () => {
      const events = await collect('select o.*, pg_sleep(0.0005) from orders o', [], { rowLimit: 10 });

      expect(events.at(-1)).toMatchObject({ type: 'end', rowCount: 10, truncated: true });
      expect(await waitFor(async () => (await activeQueries('%pg_sleep(0.0005)%')) === 0, 5000)).toBe(true);
    });
  });

  describe('stopping early while the server still has much to send', () => {
    // The server cannot take a cancel while it is blocked writing to a full socket: unless the rest
    // is read (and dropped), it never ends, and holds its backend (and DROP DATABASE) forever.
    const fast = "select g, repeat('x', 2000) as pad from generate_series(1, 300000) g";

    it('leaves no query running after a truncated result', async () => {
      const events = await collect(fast, [], { rowLimit: 10, batchSize: 10 });

      expect(events.at(-1)).toMatchObject({ type: 'end', rowCount: 10, truncated: true });
      expect(
        await waitFor(async () => (await activeQueries('%generate_series(1, 300000)%')) === 0, 5000),
      ).toBe(true);
    });

    it('leaves no query running when the reader stops reading without a cancel', async () => {
      for await (const event of streamPostgresCopy(config, `${fast} -- stopped`, [], {
        ...defaults,
        batchSize: 10,
      })) {
        if (event.type === 'copy') {
          await new Promise((resolve) => setTimeout(resolve, 300));
          break;
        }
      }

      expect(await waitFor(async () => (await activeQueries('%-- stopped%')) === 0, 5000)).toBe(true);
    });
  });

  describe('what it leaves to the cursor path', () => {
    it.each([
      { label: 'show', text: 'show statement_timeout', params: [] },
      { label: 'explain', text: 'explain select 1', params: [] },
    ])('falls back for $label, with the same answer as the cursor path', async ({ text, params }) => {
      const events = await collect(text, params);
      const cursor: StreamEvent[] = [];
      for await (const event of streamPostgres(config, text, params, defaults)) cursor.push(event);

      expect(copied(events)).toBe(0);
      expect(events).toEqual(cursor);
    });

    it('reports a statement that does not parse with the cursor path’s own error', async () => {
      const events = await collect('select id, from orders');

      expect(errorOf(events)).toMatchObject({ code: 'sql.syntax_error', kind: 'user' });
    });

    it('cannot be made to close the COPY parenthesis: text that only parses once wrapped is refused', async () => {
      // Alone this is not one statement; wrapped it would be COPY (select 1) TO a file.
      const events = await collect("select 1) to '/tmp/quarry-copy-escape' --");

      expect(copied(events)).toBe(0);
      expect(errorOf(events)).toMatchObject({ code: 'sql.syntax_error' });
    });

    it('keeps a trailing line comment and semicolons from swallowing the parenthesis', async () => {
      const events = await collect('select 42 as answer -- the answer ;\n;  ');

      expect(copied(events)).toBe(1);
      expect(cellsOf(events)).toEqual([[42]]);
    });
  });

  describe('the run’s transaction, settings and identity', () => {
    it('runs the COPY inside the READ ONLY transaction, after the prepare step, with its statement timeout', async () => {
      const events = await collect(
        "select current_setting('transaction_read_only') as ro, current_setting('quarry.probe', true) as probe, current_setting('statement_timeout') as timeout",
        [],
        {
          timeoutMs: 12_345,
          prepare: async (query) => {
            await query("select set_config('quarry.probe', $1, true)", ['set with a bound value']);
          },
        },
      );

      expect(copied(events)).toBe(1);
      expect(cellsOf(events)).toEqual([['on', 'set with a bound value', '12345ms']]);
    });

    it('refuses writes like the cursor path does', async () => {
      const events = await collect('with gone as (delete from orders returning id) select * from gone');

      expect(errorOf(events)).toMatchObject({ code: expect.stringMatching(/^sql\./), kind: 'user' });
      const [row] = await admin<{ n: number }[]>`select count(*)::int as n from orders`;
      expect(row?.n).toBe(ORDERS);
    });

    it('ends with the statement timeout when the query outlives it', async () => {
      const events = await collect('select pg_sleep(5), 1 as x', [], { timeoutMs: 300 });

      expect(errorOf(events).code).toBe('sql.timeout');
    });
  });

  describe('cancellation', () => {
    it('cancels the query on the server when the signal aborts mid-COPY', async () => {
      const controller = new AbortController();
      const events: PassthroughEvent[] = [];
      for await (const event of streamPostgresCopy(config, 'select o.*, pg_sleep(0.0002) from orders o', [], {
        ...defaults,
        timeoutMs: 60_000,
        batchSize: 10,
        signal: controller.signal,
      })) {
        events.push(event);
        if (event.type === 'copy' && !controller.signal.aborted) controller.abort();
      }

      expect(errorOf(events)).toMatchObject({ code: 'run.cancelled', kind: 'user' });
      expect(cellsOf(events).length).toBeLessThan(ORDERS);
      expect(await waitFor(async () => (await activeQueries('%pg_sleep(0.0002)%')) === 0, 5000)).toBe(true);
    });

    it('cancels a query that has not sent its first row yet', async () => {
      const controller = new AbortController();
      const done = collect('select pg_sleep(30), 1 as x', [], {
        timeoutMs: 60_000,
        signal: controller.signal,
      });
      expect(await waitFor(async () => (await activeQueries('copy (%pg_sleep(30)%')) === 1, 10_000)).toBe(
        true,
      );
      controller.abort();

      expect(errorOf(await done)).toMatchObject({ code: 'run.cancelled' });
      expect(await waitFor(async () => (await activeQueries('%pg_sleep(30)%')) === 0, 10_000)).toBe(true);
    });
  });

  describe('the byte limits, on the COPY text as it arrives', () => {
    const limits = { maxValueBytes: 1024 * 1024, maxResultBytes: 8 * 1024 * 1024 };

    it("stops `select repeat('x', 300000000)` at the value limit without holding the value", async () => {
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 5);
      try {
        // The server builds the 300 MB value before its first byte leaves; on a loaded machine that
        // alone can outlast the default 10 s, which would test the timeout instead of the limit.
        const events = await collect("select 'a' as small, repeat('x', 300000000) as big", [], {
          limits,
          timeoutMs: 90_000,
        });

        expect(errorOf(events)).toMatchObject({
          code: 'run.value_too_large',
          details: { limit: 'value', limitBytes: limits.maxValueBytes },
        });
        expect(copied(events)).toBe(0);
      } finally {
        clearInterval(sampler);
      }
      expect(peak - before).toBeLessThan(100 * 1024 * 1024);
    }, 120_000);

    it('lets a row of several values each under the value limit through, however long the row', async () => {
      const events = await collect(
        "select repeat('a', 900000) as a, repeat('b', 900000) as b, repeat('c', 900000) as c",
        [],
        { limits },
      );

      expect(events.at(-1)).toMatchObject({ type: 'end', rowCount: 1 });
      expect(cellsOf(events)[0]?.map((v) => String(v).length)).toEqual([900000, 900000, 900000]);
    });

    it('stops 50,000 rows of 20 kB at the result limit, within one socket read past it', async () => {
      const events = await collect("select repeat('x', 20000) from generate_series(1, 50000)", [], {
        limits,
        batchSize: 100,
      });

      expect(errorOf(events)).toMatchObject({ code: 'run.result_too_large' });
      const received = cellsOf(events).length;
      expect(received).toBeGreaterThan(0);
      // The guard trips on the byte that crosses the limit; the rest of that socket read (64 kB at
      // most) reaches the driver all the same.
      expect(received * 20_000).toBeLessThanOrEqual(limits.maxResultBytes + 64 * 1024);
    });
  });
});
