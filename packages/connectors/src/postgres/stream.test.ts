import { randomUUID } from 'node:crypto';
import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorError, PostgresConfig, StreamEvent, StreamOptions } from '../types';
import { streamPostgres } from './stream';

const ORDERS = 20_000;

let warehouse: TestWarehouse;
let admin: postgres.Sql;
let config: PostgresConfig;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: ORDERS });
  admin = postgres(warehouse.adminUrl, { max: 2, onnotice: () => {} });
  config = { ...warehouse.settings, password: warehouse.reader.password };
});

afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

const defaults: StreamOptions = { rowLimit: 100_000, timeoutMs: 10_000, allow: LOOPBACK };

async function collect(
  text: string,
  params: readonly (string | number | boolean | null)[] = [],
  options: Partial<StreamOptions> = {},
  connection: PostgresConfig = config,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of streamPostgres(connection, text, params, { ...defaults, ...options }))
    events.push(event);
  return events;
}

const rowsOf = (events: StreamEvent[]) => events.flatMap((e) => (e.type === 'rows' ? e.rows : []));

function errorOf(events: StreamEvent[]): ConnectorError {
  const last = events.at(-1);
  if (last?.type !== 'error')
    throw new Error(`expected an error event, got ${JSON.stringify(events.at(-1))}`);
  return last.error;
}

async function activeSleeps(): Promise<number> {
  const [row] = await admin<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
    where datname = ${warehouse.reader.database} and application_name = 'quarry-runner'
      and state = 'active' and query like '%pg_sleep%'`;
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

describe('streamPostgres', () => {
  describe('a successful query', () => {
    it('yields the columns, then batches of at most batchSize rows, then the end with the row count', async () => {
      const events = await collect('select id, total, ordered_at, status from orders order by id', [], {
        batchSize: 700,
      });

      expect(events[0]).toEqual({
        type: 'columns',
        columns: [
          { name: 'id', type: 'integer', dbType: 'int8' },
          { name: 'total', type: 'decimal', dbType: 'numeric' },
          { name: 'ordered_at', type: 'timestamptz', dbType: 'timestamptz', timeZone: 'UTC' },
          { name: 'status', type: 'text', dbType: 'text' },
        ],
      });
      const middle = events.slice(1, -1);
      expect(middle.every((e) => e.type === 'rows')).toBe(true);
      const sizes = middle.map((e) => (e.type === 'rows' ? e.rows.length : -1));
      expect(Math.max(...sizes)).toBe(700);
      expect(sizes.slice(0, -1).every((n) => n === 700)).toBe(true);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(ORDERS);
      expect(events.at(-1)).toEqual({ type: 'end', rowCount: ORDERS, truncated: false });
      expect(rowsOf(events).map((r) => r[0])).toEqual(
        Array.from({ length: ORDERS }, (_, i) => String(i + 1)),
      );
    });

    it('hands over JSON-safe cells: the server’s own text, timestamptz in UTC with its microseconds', async () => {
      const events = await collect('select id, total, ordered_at, status from orders where id = 4242');
      const [expected] = await admin.begin(async (tx) => {
        await tx`set local timezone = 'UTC'`;
        return tx<{ total: string; ordered_at: string; status: string }[]>`
          select total::text as total, ordered_at::text as ordered_at, status from orders where id = 4242`;
      });

      const rows = rowsOf(events);
      expect(rows).toEqual([['4242', expected?.total, expected?.ordered_at, expected?.status]]);
      expect(expected?.ordered_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?\+00$/);
      expect(JSON.parse(JSON.stringify(rows))).toEqual(rows);
    });

    it('keeps integers beyond 2^53 and numerics with many digits exact', async () => {
      const events = await collect(
        `select 9007199254740993::int8 as big, 12345678901234567890.123456789::numeric as exact,
           1.5::float8 as f, 7::int4 as i, true as b, null::text as n, '{"a":[1,2]}'::jsonb as j,
           date '2024-02-29' as d, '\\x00ff'::bytea as raw`,
      );

      expect(events[0]).toEqual({
        type: 'columns',
        columns: [
          { name: 'big', type: 'integer', dbType: 'int8' },
          { name: 'exact', type: 'decimal', dbType: 'numeric' },
          { name: 'f', type: 'float', dbType: 'float8' },
          { name: 'i', type: 'integer', dbType: 'int4' },
          { name: 'b', type: 'boolean', dbType: 'bool' },
          { name: 'n', type: 'text', dbType: 'text' },
          { name: 'j', type: 'json', dbType: 'jsonb' },
          { name: 'd', type: 'date', dbType: 'date' },
          { name: 'raw', type: 'bytes', dbType: 'bytea' },
        ],
      });
      const [row] = rowsOf(events);
      expect(row?.slice(0, 7)).toEqual([
        '9007199254740993',
        '12345678901234567890.123456789',
        '1.5',
        7,
        true,
        null,
        '{"a": [1, 2]}',
      ]);
      // A date stays a date: no midnight in some zone.
      expect(row?.[7]).toBe('2024-02-29');
      expect(row?.[8]).toBe('\\x00ff');
      expect(JSON.parse(JSON.stringify(row))).toEqual(row);
    });

    it('yields the columns and then the end with rowCount 0 for an empty result', async () => {
      const events = await collect('select id, status from orders where false');

      expect(events).toEqual([
        {
          type: 'columns',
          columns: [
            { name: 'id', type: 'integer', dbType: 'int8' },
            { name: 'status', type: 'text', dbType: 'text' },
          ],
        },
        { type: 'end', rowCount: 0, truncated: false },
      ]);
    });
  });

  describe('the row limit', () => {
    it('stops at rowLimit and marks the result truncated', async () => {
      const events = await collect('select * from orders', [], { rowLimit: 1500 });

      expect(rowsOf(events)).toHaveLength(1500);
      expect(events.at(-1)).toEqual({ type: 'end', rowCount: 1500, truncated: true });
    });

    it.each([
      { batchSize: 1000, label: 'spanning two batches' },
      { batchSize: 1500, label: 'ending exactly on a batch' },
      { batchSize: 50, label: 'over many batches' },
    ])('truncates at rowLimit with batches $label', async ({ batchSize }) => {
      const events = await collect('select id from orders order by id', [], { rowLimit: 1500, batchSize });

      const rows = rowsOf(events);
      expect(rows).toHaveLength(1500);
      expect(rows.at(-1)).toEqual(['1500']);
      expect(events.at(-1)).toEqual({ type: 'end', rowCount: 1500, truncated: true });
    });

    it.each([
      { batchSize: 1000, label: 'in one batch' },
      { batchSize: 50, label: 'in batches that divide it' },
      { batchSize: 100, label: 'in one exactly full batch' },
    ])('does not mark a result of exactly rowLimit rows truncated ($label)', async ({ batchSize }) => {
      const events = await collect('select id from orders order by id limit 100', [], {
        rowLimit: 100,
        batchSize,
      });

      expect(rowsOf(events)).toHaveLength(100);
      expect(events.at(-1)).toEqual({ type: 'end', rowCount: 100, truncated: false });
    });
  });

  describe('errors', () => {
    it('reports a syntax error as sql.syntax_error with its position and nothing else', async () => {
      const events = await collect('select id, from orders');

      expect(events).toHaveLength(1);
      const error = errorOf(events);
      expect(error).toMatchObject({
        code: 'sql.syntax_error',
        kind: 'user',
        transient: false,
        details: { sqlstate: '42601', position: 12 },
      });
      expect(typeof error.details?.position).toBe('number');
    });

    it('reports an unknown column as sql.invalid_query (42703)', async () => {
      const error = errorOf(await collect('select nope from orders'));

      expect(error).toMatchObject({
        code: 'sql.invalid_query',
        kind: 'user',
        details: { sqlstate: '42703' },
      });
      expect(error.message).toContain('nope');
    });

    it('reports an unknown table as sql.invalid_query (42P01) with a hint about the table name', async () => {
      const error = errorOf(await collect('select * from no_such_table'));

      expect(error).toMatchObject({
        code: 'sql.invalid_query',
        hint: 'Check the table name and its schema',
        details: { sqlstate: '42P01' },
      });
    });

    it('refuses several statements in one run', async () => {
      const error = errorOf(await collect('select 1; select 2'));

      expect(error).toMatchObject({ code: 'sql.syntax_error', details: { sqlstate: '42601' } });
    });

    it('stops a query that runs past timeoutMs on the server, as sql.timeout', async () => {
      const started = Date.now();
      const error = errorOf(await collect('select pg_sleep(60)', [], { timeoutMs: 300 }));

      expect(error).toMatchObject({ code: 'sql.timeout', kind: 'user', transient: false });
      // Far under the sleep, so the server stopped it; wide enough for a loaded machine's connect.
      expect(Date.now() - started).toBeLessThan(30_000);
    }, 60_000);

    it('stops a query whose rows trickle in past timeoutMs in total, not per batch', async () => {
      const events = await collect('select g, pg_sleep(0.002) from generate_series(1, 1000) g', [], {
        timeoutMs: 300,
        batchSize: 50,
      });

      expect(errorOf(events)).toMatchObject({ code: 'sql.timeout', kind: 'user' });
      expect(rowsOf(events).length).toBeLessThan(1000);
    });

    it('reports refused credentials as connector.auth_failed without the password in the error', async () => {
      // The machine's server trusts 127.0.0.1, so it accepts any password for a role it knows; a role
      // it does not know is refused under trust (28000) and password authentication (28P01) alike.
      const password = `wrong-${randomUUID()}`;
      const events = await collect(
        'select 1',
        [],
        {},
        { ...config, username: 'quarry_no_such_reader', password },
      );

      expect(events).toHaveLength(1);
      expect(errorOf(events)).toMatchObject({
        code: 'connector.auth_failed',
        kind: 'system',
        transient: false,
      });
      expect(JSON.stringify(events)).not.toContain(password);
    });

    it('reports an unknown database as connector.database_not_found', async () => {
      const error = errorOf(
        await collect('select 1', [], {}, { ...config, database: 'no_such_database_here' }),
      );

      expect(error).toMatchObject({ code: 'connector.database_not_found', kind: 'system' });
    });

    it('reports a closed port as connector.unreachable, transient', async () => {
      const events = await collect('select 1', [], {}, { ...config, host: '127.0.0.1', port: 1 });

      expect(events).toHaveLength(1);
      expect(errorOf(events)).toMatchObject({
        code: 'connector.unreachable',
        kind: 'system',
        transient: true,
      });
      expect(JSON.stringify(events)).not.toContain(config.password);
    });
  });

  describe('cancellation', () => {
    it('cancels the query on the server when the signal aborts (CONN-4, no query left running)', async () => {
      const controller = new AbortController();
      const done = collect('select pg_sleep(30)', [], { timeoutMs: 60_000, signal: controller.signal });

      expect(await waitFor(async () => (await activeSleeps()) === 1, 10_000)).toBe(true);
      const abortedAt = Date.now();
      controller.abort();
      const events = await done;

      expect(errorOf(events)).toMatchObject({ code: 'run.cancelled', kind: 'user', transient: false });
      // Far under the 30 s the query sleeps, with room for a loaded machine.
      expect(Date.now() - abortedAt).toBeLessThan(15_000);
      expect(await waitFor(async () => (await activeSleeps()) === 0, 10_000)).toBe(true);
    }, 60_000);

    it('stops streaming with run.cancelled when the signal aborts between two batches', async () => {
      const controller = new AbortController();
      const events: StreamEvent[] = [];
      const stream = streamPostgres(config, 'select id from orders order by id', [], {
        ...defaults,
        batchSize: 100,
        signal: controller.signal,
      });
      for await (const event of stream) {
        events.push(event);
        // The consumer has the first batch in hand when the user presses Stop.
        if (event.type === 'rows' && !controller.signal.aborted) {
          controller.abort();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }

      expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'run.cancelled' } });
      expect(rowsOf(events).length).toBeLessThan(ORDERS);
    });

    it('does not run the query at all when the signal was aborted before the start', async () => {
      const controller = new AbortController();
      controller.abort();

      const events = await collect('select pg_sleep(30)', [], { signal: controller.signal });

      expect(events).toEqual([
        {
          type: 'error',
          error: {
            code: 'run.cancelled',
            message: 'The query was cancelled',
            kind: 'user',
            transient: false,
          },
        },
      ]);
      expect(await activeSleeps()).toBe(0);
    });
  });

  describe('bound parameters and the read-only role', () => {
    it('binds parameters as values, never as SQL', async () => {
      const hostile = "x'); drop table orders; --";
      const events = await collect('select $1::text as v', [hostile]);

      expect(rowsOf(events)).toEqual([[hostile]]);
      const [row] = await admin<{ n: number }[]>`select count(*)::int as n from orders`;
      expect(row?.n).toBe(ORDERS);
    });

    it('binds numbers, booleans and null', async () => {
      const events = await collect(
        'select $1::int as i, $2::bool as b, $3::text as n, count(*)::int as c from orders where id <= $1',
        [10, true, null],
      );

      expect(rowsOf(events)).toEqual([[10, true, null, 10]]);
    });

    it('cannot write through the demo reader role and changes nothing', async () => {
      const error = errorOf(await collect('delete from orders'));

      // The READ ONLY transaction refuses it (25006) before the role's grants (42501) are asked.
      expect(error).toMatchObject({ kind: 'user', details: { sqlstate: '25006' } });
      const [row] = await admin<{ n: number }[]>`select count(*)::int as n from orders`;
      expect(row?.n).toBe(ORDERS);
    });
  });

  // Item 13: the READ ONLY transaction must hold on its own, so these run as a role that may write
  // anything (the warehouse's superuser): only the transaction stands in the way.
  describe('the READ ONLY transaction every run executes in', () => {
    const superuser = (): PostgresConfig => {
      const url = new URL(warehouse.adminUrl);
      return {
        host: url.hostname,
        port: Number(url.port || 5432),
        database: url.pathname.slice(1),
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        sslMode: 'verify-ca',
        caCertificate: warehouse.settings.caCertificate,
      };
    };
    const largeObjects = async () =>
      (await admin<{ n: number }[]>`select count(*)::int as n from pg_largeobject_metadata`)[0]?.n;

    it('keeps nothing of lo_from_bytea storing a 1 MB large object, even for a role that may write', async () => {
      // PostgreSQL lets large-object functions run in a READ ONLY transaction; what bounds them is
      // that a run's transaction never commits: the connection closes and it rolls back.
      const before = await largeObjects();
      const events = await collect(
        "select lo_from_bytea(0, repeat('x', 1000000)::bytea)",
        [],
        {},
        superuser(),
      );

      expect(['end', 'error']).toContain(events.at(-1)?.type);
      expect(await largeObjects()).toBe(before);
    });

    it('refuses a delete, even for a role that may write', async () => {
      const error = errorOf(await collect('delete from orders', [], {}, superuser()));

      expect(error).toMatchObject({ details: { sqlstate: '25006' } });
      const [row] = await admin<{ n: number }[]>`select count(*)::int as n from orders`;
      expect(row?.n).toBe(ORDERS);
    });

    it('cannot be left with `commit; create table …`: one statement per run', async () => {
      const error = errorOf(await collect('commit; create table escaped (x int)', [], {}, superuser()));

      expect(error).toMatchObject({ code: 'sql.syntax_error', details: { sqlstate: '42601' } });
      const [row] = await admin<
        { n: number }[]
      >`select count(*)::int as n from pg_class where relname = 'escaped'`;
      expect(row?.n).toBe(0);
    });

    it('cannot be switched with `set transaction read write`', async () => {
      const error = errorOf(await collect('set transaction read write', [], {}, superuser()));

      expect(error).toMatchObject({ kind: 'user', details: { sqlstate: '25001' } });
    });

    it('stops a temp-file-heavy sort at the reader role’s temp_file_limit, with a typed error', async () => {
      // The run's transaction cannot bound temp files (only a superuser setting can); the demo reader
      // role's temp_file_limit does, and a run cannot lift it.
      const events = await collect(
        'select * from generate_series(1, 50000000) g order by 1 desc offset 49999999',
        [],
        { timeoutMs: 60_000 },
      );

      expect(errorOf(events)).toMatchObject({ kind: 'user', details: { sqlstate: '53400' } });
    }, 60_000);

    it("does not let set_config('work_mem', '1500MB') outlive its run", async () => {
      const raised = await collect("select set_config('work_mem', '1500MB', false) as w");
      expect(rowsOf(raised)).toEqual([['1500MB']]);

      const next = await collect("select current_setting('work_mem') as w");
      expect(rowsOf(next)).not.toEqual([['1500MB']]);
      expect(next.at(-1)).toMatchObject({ type: 'end' });
    });
  });

  // Item 11: the driver assembles a whole message before it hands over a row; the guard must stop
  // a huge value as its bytes arrive, not after this process holds it.
  describe('the byte limits', () => {
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
        const events = await collect("select repeat('x', 300000000) as big", [], {
          limits,
          timeoutMs: 90_000,
        });

        expect(errorOf(events)).toMatchObject({
          code: 'run.value_too_large',
          kind: 'user',
          details: { limit: 'value', limitBytes: limits.maxValueBytes },
        });
        expect(rowsOf(events)).toEqual([]);
      } finally {
        clearInterval(sampler);
      }
      expect(peak - before).toBeLessThan(100 * 1024 * 1024);
    }, 120_000);

    it('stops 50,000 rows of 20 kB at the result limit, after at most that many bytes', async () => {
      const events = await collect("select repeat('x', 20000) from generate_series(1, 50000)", [], {
        limits,
        batchSize: 100,
      });

      expect(errorOf(events)).toMatchObject({
        code: 'run.result_too_large',
        details: { limit: 'result', limitBytes: limits.maxResultBytes },
      });
      const received = rowsOf(events).length;
      expect(received).toBeGreaterThan(0);
      expect(received * 20_000).toBeLessThanOrEqual(limits.maxResultBytes);
    });

    it('lets a result just under the limits through', async () => {
      const events = await collect("select repeat('x', 1000000) as v from generate_series(1, 7)", [], {
        limits,
      });

      expect(events.at(-1)).toMatchObject({ type: 'end', rowCount: 7 });
    });
  });

  // Item 12 and 17: who stopped a query, and nothing of the driver's internals in what users see.
  describe('queries stopped by someone else', () => {
    const terminateSleep = async (fn: 'pg_cancel_backend' | 'pg_terminate_backend') => {
      expect(await waitFor(async () => (await activeSleeps()) === 1, 10_000)).toBe(true);
      await admin.unsafe(
        `select ${fn}(pid) from pg_stat_activity
         where datname = $1 and application_name = 'quarry-runner' and query like '%pg_sleep%'`,
        [warehouse.reader.database],
      );
    };

    it('reports a pg_cancel_backend by an Admin as cancelled, never as a timeout', async () => {
      const done = collect('select pg_sleep(30)', [], { timeoutMs: 60_000 });
      await terminateSleep('pg_cancel_backend');
      const error = errorOf(await done);

      expect(error).toMatchObject({ code: 'run.cancelled', details: { by: 'server' } });
      expect(error.message).not.toMatch(/longer than/);
    });

    it('keeps addresses and ports out of the error when pg_terminate_backend kills the connection', async () => {
      const done = collect('select pg_sleep(30)', [], { timeoutMs: 60_000 });
      await terminateSleep('pg_terminate_backend');
      const error = errorOf(await done);
      const { internal: _internal, ...shown } = error;

      expect(error.code).toMatch(/^(run\.cancelled|connector\.failed)$/);
      expect(JSON.stringify(shown)).not.toMatch(/127\.0\.0\.1|:\d{2,5}\b|CONNECTION_|\bat \w/);
    });
  });
});
