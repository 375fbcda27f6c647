import type { Cell } from '@quarry/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../types';
import { streamMysql } from './stream';
import { createMysqlTestDatabase, loopbackContext, type MysqlTestDatabase, mysqlTestUrl } from './testing';

const url = mysqlTestUrl(process.env);
let db: MysqlTestDatabase;

/**
 * Each column, and how the `mariadb` client's text is compared with our cell: `text` as is, `number`
 * as the number it writes, `bits` and `hex` through the SQL that makes the client print them
 * (it prints BIT and bytes raw).
 */
const COLUMNS: {
  name: string;
  ddl: string;
  compare: 'text' | 'number' | 'bits' | 'hex';
  type: string;
  dbType: string;
}[] = [
  { name: 'd65', ddl: 'DECIMAL(65,30)', compare: 'text', type: 'decimal', dbType: 'decimal' },
  { name: 'ubig', ddl: 'BIGINT UNSIGNED', compare: 'text', type: 'integer', dbType: 'bigint unsigned' },
  { name: 'sbig', ddl: 'BIGINT', compare: 'text', type: 'integer', dbType: 'bigint' },
  { name: 'dt6', ddl: 'DATETIME(6)', compare: 'text', type: 'timestamp', dbType: 'datetime' },
  { name: 'ts6', ddl: 'TIMESTAMP(6) NULL', compare: 'text', type: 'timestamp', dbType: 'timestamp' },
  { name: 'dd', ddl: 'DATE', compare: 'text', type: 'date', dbType: 'date' },
  { name: 't6', ddl: 'TIME(6)', compare: 'text', type: 'time', dbType: 'time' },
  { name: 'y', ddl: 'YEAR', compare: 'number', type: 'integer', dbType: 'year' },
  { name: 'b1', ddl: 'BIT(1)', compare: 'bits', type: 'other', dbType: 'bit' },
  { name: 'b64', ddl: 'BIT(64)', compare: 'bits', type: 'other', dbType: 'bit' },
  { name: 'j', ddl: 'JSON', compare: 'text', type: 'json', dbType: 'json' },
  { name: 'e', ddl: "ENUM('a','b c')", compare: 'text', type: 'text', dbType: 'enum' },
  { name: 's', ddl: "SET('x','y','z')", compare: 'text', type: 'text', dbType: 'set' },
  { name: 'vb', ddl: 'VARBINARY(16)', compare: 'hex', type: 'bytes', dbType: 'varbinary' },
  { name: 'bl', ddl: 'BLOB', compare: 'hex', type: 'bytes', dbType: 'blob' },
  { name: 'f', ddl: 'FLOAT', compare: 'text', type: 'float', dbType: 'float' },
  { name: 'db', ddl: 'DOUBLE', compare: 'text', type: 'float', dbType: 'double' },
  { name: 'vc', ddl: 'VARCHAR(10)', compare: 'text', type: 'text', dbType: 'varchar' },
  { name: 'ch', ddl: 'CHAR(3)', compare: 'text', type: 'text', dbType: 'char' },
];

const ROWS = [
  `(1, '12345678901234567890123456789012345.123456789012345678901234567890', 18446744073709551615,
    -9223372036854775808, '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.654321', '1000-01-01',
    '-838:59:59.000000', 2155, b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
    '{"a": [1, 2.50, "x"], "big": 12345678901234567890}', 'b c', 'x,z', x'00ff10', x'deadbeef', 3.14, 0.1, '', 'ab')`,
  `(2, NULL, 0, 9007199254740993, '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00',
    '12:34:56.000001', 0, b'0', b'101', 'null', 'a', '', '', '', 1.2345678, 1e308, NULL, NULL)`,
  `(3, -0.000000000000000000000000000001, 9007199254740993, -1, '9999-12-31 23:59:59.999999',
    '2038-01-19 03:14:07.000000', '2024-01-00', '00:00:00', 1901, NULL, b'0', '[]', NULL, 'x,y,z',
    NULL, x'', -3.4e38, -2.2250738585072014e-308, 'x', '')`,
];

const clientExpression = (c: (typeof COLUMNS)[number]) =>
  c.compare === 'bits'
    ? `LPAD(BIN(${c.name} + 0), ${c.ddl.match(/\d+/)?.[0]}, '0')`
    : c.compare === 'hex'
      ? `HEX(${c.name})`
      : c.name;

beforeAll(async () => {
  if (!url) return;
  db = await createMysqlTestDatabase(url);
  await db.admin.query(
    `SET SESSION sql_mode = '';
     CREATE TABLE ev (id INT PRIMARY KEY, ${COLUMNS.map((c) => `${c.name} ${c.ddl}`).join(', ')});
     INSERT INTO ev VALUES ${ROWS.join(', ')};`,
  );
});

afterAll(async () => {
  await db?.drop();
});

async function collect(sql: string, params: (string | number)[]): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of streamMysql(db.config, { sql, params, rowLimit: 100 }, loopbackContext()))
    events.push(event);
  return events;
}

function expectSame(
  ours: Cell | undefined,
  client: string | undefined,
  column: (typeof COLUMNS)[number],
  where: string,
) {
  if (client === 'NULL') {
    expect(ours, where).toBeNull();
    return;
  }
  if (column.compare === 'number') expect(ours, where).toBe(Number(client));
  else if (column.compare === 'hex') expect(ours, where).toBe(`\\x${(client ?? '').toLowerCase()}`);
  else expect(ours, where).toBe(client);
}

describe.skipIf(!url)('exact values against what the mariadb client prints', () => {
  const protocols = [
    // Without parameters the statement goes as it is; with them it is prepared and executed in SQL.
    {
      protocol: 'no parameters',
      sql: `SELECT ${COLUMNS.map((c) => c.name).join(', ')} FROM ev ORDER BY id`,
      params: [],
    },
    {
      protocol: 'bound parameters',
      sql: `SELECT ${COLUMNS.map((c) => c.name).join(', ')} FROM ev WHERE id > ? ORDER BY id`,
      params: [0],
    },
  ];
  for (const { protocol, sql, params } of protocols) {
    it(`keeps every value exact with ${protocol}`, async () => {
      const events = await collect(sql, params);
      const columns = events[0]?.type === 'columns' ? events[0].columns : [];
      expect(columns).toEqual(COLUMNS.map((c) => ({ name: c.name, type: c.type, dbType: c.dbType })));
      const ours = events.flatMap((e) => (e.type === 'rows' ? e.rows : []));
      const client = await db.client(
        `SELECT ${COLUMNS.map(clientExpression).join(', ')} FROM ev ORDER BY id`,
      );
      expect(ours).toHaveLength(ROWS.length);
      expect(client).toHaveLength(ROWS.length);
      ours.forEach((row, r) => {
        COLUMNS.forEach((column, i) => {
          expectSame(row[i], client[r]?.[i], column, `row ${r + 1}, ${column.name} (${protocol})`);
        });
      });
      // The values that need it by name, so the comparison above cannot pass by both sides agreeing wrongly.
      const [first, second] = ours;
      expect(first?.slice(0, 4)).toEqual([
        '12345678901234567890123456789012345.123456789012345678901234567890',
        '18446744073709551615',
        '-9223372036854775808',
        '2024-02-29 23:59:59.123456',
      ]);
      expect(second?.slice(3, 6)).toEqual([
        '0000-00-00 00:00:00.000000',
        '0000-00-00 00:00:00.000000',
        '0000-00-00',
      ]);
      expect(first?.[8]).toBe('1');
      expect(first?.[9]).toBe('1'.repeat(64));
      expect(second?.[9]).toBe(`${'0'.repeat(61)}101`);
      expect(first?.[13]).toBe('\\x00ff10');
      expect(first?.[15]).toBe('3.14');
      expect(second?.[15]).toBe('1.23457');
      expect(second?.[16]).toBe('1e308');
      expect(second?.[17]).toBeNull();
      expect(first?.[17]).toBe('');
      expect(JSON.parse(JSON.stringify(ours))).toEqual(ours);
    });
  }
});
