import { once } from 'node:events';
import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectContext, Dialer, QueryParam, StreamRequest } from '../registry/connector';
import type { ConnectorError, StreamEvent } from '../types';
import type { MysqlConfig } from './kind';
import { streamMysql } from './stream';
import { createMysqlTestDatabase, loopbackContext, type MysqlTestDatabase, mysqlTestUrl } from './testing';

const url = mysqlTestUrl(process.env);
let db: MysqlTestDatabase;

beforeAll(async () => {
  if (!url) return;
  db = await createMysqlTestDatabase(url);
  await db.admin.query(
    `CREATE TABLE orders (id BIGINT PRIMARY KEY, total DECIMAL(12,2) NOT NULL, status VARCHAR(20) NOT NULL);
     INSERT INTO orders SELECT seq, seq * 1.25, IF(seq % 2 = 0, 'paid', 'open') FROM seq_1_to_5000;
     CREATE TABLE secrets (v VARCHAR(20)); INSERT INTO secrets VALUES ('kept');`,
  );
});

afterAll(async () => {
  await db?.drop();
});

async function collect(
  sql: string,
  params: readonly QueryParam[] = [],
  request: Partial<StreamRequest> = {},
  context: Partial<ConnectContext> = {},
  config: MysqlConfig = db.config,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of streamMysql(
    config,
    { sql, params, rowLimit: 100_000, ...request },
    loopbackContext(context),
  ))
    events.push(event);
  return events;
}

const rowsOf = (events: StreamEvent[]) => events.flatMap((e) => (e.type === 'rows' ? e.rows : []));

function errorOf(events: StreamEvent[]): ConnectorError {
  const last = events.at(-1);
  if (last?.type !== 'error') throw new Error(`expected an error event, got ${JSON.stringify(last)}`);
  return last.error;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** Statements of the test database's sessions running on the server now, from PROCESSLIST. */
async function running(like: string): Promise<{ id: number; info: string }[]> {
  const [rows] = await db.admin.query(
    `SELECT ID AS id, INFO AS info FROM information_schema.PROCESSLIST
     WHERE DB = ? AND COMMAND <> 'Sleep' AND INFO LIKE ? AND ID <> CONNECTION_ID()`,
    [db.name, like],
  );
  return rows as { id: number; info: string }[];
}

describe.skipIf(!url)('streamMysql', () => {
  it('yields the columns, then batches of at most batchSize rows, then the end with the row count', async () => {
    const events = await collect('SELECT id, total, status FROM orders ORDER BY id', [], { batchSize: 700 });

    expect(events[0]).toEqual({
      type: 'columns',
      columns: [
        { name: 'id', type: 'integer', dbType: 'bigint' },
        { name: 'total', type: 'decimal', dbType: 'decimal' },
        { name: 'status', type: 'text', dbType: 'varchar' },
      ],
    });
    const sizes = events.slice(1, -1).map((e) => (e.type === 'rows' ? e.rows.length : -1));
    expect(Math.max(...sizes)).toBe(700);
    expect(sizes.slice(0, -1).every((n) => n === 700)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(events.at(-1)).toEqual({ type: 'end', rowCount: 5000, truncated: false });
    const rows = rowsOf(events);
    expect(rows[0]).toEqual(['1', '1.25', 'open']);
    expect(rows[4999]).toEqual(['5000', '6250.00', 'paid']);
  });

  it('yields the columns and an end with no rows for an empty result, and no columns for a statement without rows', async () => {
    expect(await collect('SELECT id FROM orders WHERE 1 = 0')).toEqual([
      { type: 'columns', columns: [{ name: 'id', type: 'integer', dbType: 'bigint' }] },
      { type: 'end', rowCount: 0, truncated: false },
    ]);
    expect(await collect('DO 1')).toEqual([
      { type: 'columns', columns: [] },
      { type: 'end', rowCount: 0, truncated: false },
    ]);
  });

  it('binds parameters as values: injection attempts stay strings and match nothing (CONN-4)', async () => {
    const attempts = [
      "x' OR '1'='1",
      "'; DROP TABLE orders; --",
      '1 OR 1=1',
      "\\'; SELECT v FROM secrets; --",
    ];
    for (const attempt of attempts) {
      const events = await collect('SELECT id, ? AS echoed FROM orders WHERE status = ?', [attempt, attempt]);
      expect(rowsOf(events)).toEqual([]);
      expect(events.at(-1)).toEqual({ type: 'end', rowCount: 0, truncated: false });
    }
    const echoed = await collect('SELECT ? AS a, ? AS b, ? AS c, ? AS d', [attempts[1] ?? '', 42, null, '']);
    // A JS number is bound as a DOUBLE, whose text the server writes.
    expect(rowsOf(echoed)).toEqual([[attempts[1], '42', null, '']]);
    const [count] = rowsOf(await collect('SELECT COUNT(*) FROM orders'));
    expect(count).toEqual(['5000']);
  });

  it('refuses a second statement in the same call, and writes of any kind (read-only session)', async () => {
    const multi = errorOf(await collect('SELECT 1; DELETE FROM orders'));
    expect(multi.code).toBe('sql.syntax_error');
    for (const write of [
      'DELETE FROM orders',
      "INSERT INTO secrets VALUES ('new')",
      'CREATE TABLE made_here (x INT)',
      'DROP TABLE secrets',
    ]) {
      const error = errorOf(await collect(write));
      expect(error.code, write).toBe('sql.error');
      // 25006: read-only transaction; XAE07: DDL would end the XA transaction, which it may not.
      expect(['25006', 'XAE07'], write).toContain((error.details as { sqlstate?: string }).sqlstate);
    }
    const [count] = rowsOf(await collect('SELECT COUNT(*) FROM secrets'));
    expect(count).toEqual(['1']);
  });

  it('never reads a file for the server: LOAD DATA LOCAL is refused by the client capability (CONN-1)', async () => {
    const error = errorOf(await collect("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE secrets"));
    // The server was told at sign-in that this client takes no LOCAL files, so it never asks for
    // one: MariaDB's ER_LOAD_INFILE_CAPABILITY_DISABLED (MySQL answers 1148).
    expect(error.details).toMatchObject({ errno: 4166 });
    const [count] = rowsOf(await collect('SELECT COUNT(*) FROM secrets'));
    expect(count).toEqual(['1']);
  });

  it('gives a syntax error its position in the SQL as written (the tag comment does not shift it)', async () => {
    const sql = 'SELECT id\nFROM orders\nWHERE id = = 3';
    const error = errorOf(await collect(sql, [], { tag: 'run_syntax' }));
    expect(error.code).toBe('sql.syntax_error');
    expect(error.details).toMatchObject({ sqlstate: '42000', line: 3, position: sql.indexOf('= 3') + 1 });
    expect(error.message).toContain('near');
  });

  it('truncates at the row limit and stops the statement at the server', async () => {
    const events = await collect('SELECT id FROM orders ORDER BY id', [], { rowLimit: 1234, batchSize: 500 });
    expect(rowsOf(events)).toHaveLength(1234);
    expect(events.at(-1)).toEqual({ type: 'end', rowCount: 1234, truncated: true });

    // A statement with its own LIMIT passes sql_select_limit: cut here and killed at the server
    // (wide rows, so the server's 16 KB network buffer sends them at once; 1000 s of work left).
    const tag = 'run_truncate_limit';
    const slow = await collect(
      "SELECT seq, REPEAT('x', 8000), SLEEP(0.01) FROM seq_1_to_100000 LIMIT 100000",
      [],
      {
        rowLimit: 5,
        batchSize: 1,
        tag,
      },
    );
    expect(slow.at(-1)).toEqual({ type: 'end', rowCount: 5, truncated: true });
    expect(await waitFor(async () => (await running(`/* quarry:${tag} */%`)).length === 0, 5000)).toBe(true);
  });

  it('cancels a running query on the server when the signal fires', async () => {
    const controller = new AbortController();
    const tag = 'run_cancel_sleep';
    const pending = collect('SELECT SLEEP(60) AS slept', [], { tag }, { signal: controller.signal });
    expect(
      await waitFor(async () => (await running(`/* quarry:${tag} */%SLEEP(60)%`)).length === 1, 5000),
    ).toBe(true);
    const started = Date.now();
    controller.abort();
    const events = await pending;
    // Far under the minute the statement sleeps, with room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(errorOf(events).code).toBe('run.cancelled');
    // The server-side statement is gone, not merely left unread (a killed thread takes a moment
    // to leave PROCESSLIST; SLEEP(60) would hold it for a minute).
    expect(await waitFor(async () => (await running(`/* quarry:${tag} */%`)).length === 0, 10_000)).toBe(
      true,
    );
  }, 60_000);

  it('kills the session when the cancel reached the server before the statement did', async () => {
    // The run's socket holds back the statement's bytes for 300 ms after the signal fires, so the
    // KILL QUERY (over its own, undelayed socket) arrives first and finds nothing to kill.
    const controller = new AbortController();
    const tag = 'run_kill_raced';
    let delayed = false;
    const dial: Dialer = async ({ port }) => {
      const socket = connect({ host: '127.0.0.1', port });
      await once(socket, 'connect');
      if (delayed) return socket;
      delayed = true;
      let inFlight = Promise.resolve();
      const wrapper = new Duplex({
        read() {},
        write(chunk: Buffer, _encoding, callback) {
          if (!chunk.includes('SLEEP(60)')) return void socket.write(chunk, callback);
          controller.abort();
          inFlight = new Promise((resolve) => setTimeout(() => socket.write(chunk, () => resolve()), 300));
          callback();
        },
        // The bytes sent reach the server, which reads the statement before it sees the close.
        final(callback) {
          void inFlight.then(() => setTimeout(() => socket.end(), 200));
          callback();
        },
        destroy(error, callback) {
          void inFlight.then(() => setTimeout(() => socket.destroy(), 200));
          callback(error);
        },
      });
      socket.on('data', (data) => wrapper.push(data));
      socket.on('end', () => wrapper.push(null));
      socket.on('error', (error) => wrapper.destroy(error));
      return wrapper;
    };
    const events = await collect('SELECT SLEEP(60)', [], { tag }, { signal: controller.signal, dial });
    expect(errorOf(events).code).toBe('run.cancelled');
    // Past the moment the held-back statement reached the server: SLEEP does not notice a closed
    // socket, so without the session's kill it would be running its minute now.
    await new Promise((resolve) => setTimeout(resolve, 800));
    // A killed thread may take a moment to leave PROCESSLIST; a SLEEP left running stays a minute.
    expect(await waitFor(async () => (await running(`/* quarry:${tag} */%`)).length === 0, 10_000)).toBe(
      true,
    );
  }, 60_000);

  it('cancels while the reader holds a batch, and stops the server', async () => {
    const controller = new AbortController();
    const tag = 'run_cancel_held';
    const events: StreamEvent[] = [];
    for await (const event of streamMysql(
      db.config,
      {
        sql: "SELECT seq, REPEAT('x', 8000), SLEEP(0.01) FROM seq_1_to_1000000",
        params: [],
        rowLimit: 2_000_000,
        batchSize: 2,
        tag,
      },
      loopbackContext({ signal: controller.signal }),
    )) {
      events.push(event);
      if (event.type === 'rows') controller.abort();
    }
    expect(errorOf(events).code).toBe('run.cancelled');
    expect(await waitFor(async () => (await running(`/* quarry:${tag} */%`)).length === 0, 5000)).toBe(true);
  });

  it('stops the statement at the server when the reader stops reading early', async () => {
    const tag = 'run_reader_left';
    for await (const event of streamMysql(
      db.config,
      {
        sql: "SELECT seq, REPEAT('x', 8000), SLEEP(0.01) FROM seq_1_to_100000",
        params: [],
        rowLimit: 200_000,
        batchSize: 2,
        tag,
      },
      loopbackContext(),
    )) {
      if (event.type === 'rows') break;
    }
    expect(await waitFor(async () => (await running(`/* quarry:${tag} */%`)).length === 0, 10_000)).toBe(
      true,
    );
  });

  it('stops a query at the timeout, enforced by the server', async () => {
    const started = Date.now();
    const error = errorOf(await collect('SELECT SLEEP(30)', [], {}, { timeoutMs: 1000 }));
    expect(error.code).toBe('sql.timeout');
    // Far under the 30 s the statement sleeps, with room for a loaded machine's connect.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);

  it("stops a query that lifts the server's timeout itself, by the watchdog's KILL QUERY", async () => {
    const tag = 'run_lifted_timeout';
    const started = Date.now();
    const error = errorOf(
      await collect(
        'SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(30)',
        [],
        { tag },
        { timeoutMs: 1000 },
      ),
    );
    expect(error.code).toBe('sql.timeout');
    // Far under the 30 s the statement sleeps, with room for a loaded machine's connect.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await waitFor(async () => (await running(`/* quarry:${tag} */%`)).length === 0, 10_000)).toBe(
      true,
    );
  }, 60_000);

  it('stops a result with a value over the value limit, and a result over the result limit', async () => {
    const value = errorOf(
      await collect(
        "SELECT REPEAT('x', 2000000) AS big",
        [],
        {},
        {
          limits: { maxValueBytes: 1_000_000, maxResultBytes: 100_000_000 },
        },
      ),
    );
    expect(value.code).toBe('run.value_too_large');
    const result = errorOf(
      await collect(
        "SELECT REPEAT('y', 1000) FROM seq_1_to_100000",
        [],
        {},
        {
          limits: { maxValueBytes: 1_000_000, maxResultBytes: 5_000_000 },
        },
      ),
    );
    expect(result.code).toBe('run.result_too_large');
  });

  it('runs what the run prepares on the same session, inside the transaction, before the SQL', async () => {
    const read: Record<string, unknown>[][] = [];
    const events = await collect('SELECT @quarry_reader AS reader, @@in_transaction AS in_tx', [], {
      prepare: async (query) => {
        read.push(await query('SELECT CONNECTION_ID() > ? AS later, 1.5e0 AS f, ? AS echoed', [0, 'x']));
        await query('SET @quarry_reader = ?', ['usr_1']);
      },
    });
    expect(read).toEqual([[{ later: 1, f: 1.5, echoed: 'x' }]]);
    expect(rowsOf(events)).toEqual([['usr_1', '1']]);
  });
});
