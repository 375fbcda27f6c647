import { randomBytes, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testAdminUrl, withDatabase } from './testing/index';

let database: TestDatabase;
let admin: postgres.Sql;
const stranger = `quarry_t_stranger_${randomBytes(4).toString('hex')}`;
const password = randomUUID();

beforeAll(async () => {
  database = await createTestDatabase();
  admin = postgres(testAdminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create role ${stranger} login password '${password}'`);
});

afterAll(async () => {
  await admin?.unsafe(`drop role if exists ${stranger}`);
  await admin?.end({ timeout: 5 });
  await database?.drop();
});

describe("Quarry's own database after migrations", () => {
  it('refuses a connection from another login role of the same server (PUBLIC has no CONNECT)', async () => {
    const url = new URL(withDatabase(testAdminUrl(), database.name));
    url.username = stranger;
    url.password = password;
    const intruder = postgres(url.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      const refused = await intruder`select 1`.then(
        () => 'connected',
        (error: { code?: string }) => error.code,
      );
      expect(refused).toBe('42501');
    } finally {
      await intruder.end({ timeout: 1 });
    }
  });

  it('grants PUBLIC neither CONNECT nor TEMP, whatever the database is called', async () => {
    const [row] = await admin<{ connect: boolean; temp: boolean }[]>`
      select has_database_privilege(${stranger}, ${database.name}, 'CONNECT') as connect,
             has_database_privilege(${stranger}, ${database.name}, 'TEMP') as temp`;
    expect(row).toEqual({ connect: false, temp: false });
  });
});
