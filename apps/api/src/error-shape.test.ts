import { randomUUID } from 'node:crypto';
import { createDb } from '@quarry/db';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from './app';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

it('hides an unexpected failure behind a generic typed error: no SQL, no parameters, no stack', async () => {
  // A pool that is already closed: every query fails inside drizzle with the SQL in its message.
  const broken = createDb(database.url, { max: 1 });
  await broken.close();
  const vault = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!vault.ok) throw new Error('vault');
  const app = createApp({
    deps: {
      db: broken.db,
      sql: broken.sql,
      queue: { send: async () => 'job', schedule: async () => {}, unschedule: async () => {} },
      vault: vault.value,
      notifier: {
        watch: () => ({ wait: async () => 'none', close: () => {} }),
        mark: () => 0,
        heardSince: () => true,
        close: async () => {},
      },
      log: pino({ level: 'silent' }),
      publicUrl: 'http://localhost:3000',
      secureCookies: false,
      now: () => new Date(),
    },
    log: pino({ level: 'silent' }),
    ready: async () => ({ database: false, queue: false }),
  });
  const email = 'secret-person@example.test';
  const password = `request-password-${randomUUID()}`;
  const res = await app.request('/trpc/auth.signIn', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ json: { email, password } }),
  });
  expect(res.status).toBe(500);
  const text = await res.text();
  const body = JSON.parse(text) as {
    error: { json: { message: string; data: { quarry: { code: string }; stack?: string } } };
  };
  expect(body.error.json.message).toBe('Something went wrong on our side');
  expect(body.error.json.data.quarry.code).toBe('server.internal');
  expect(body.error.json.data.stack).toBeUndefined();
  for (const leak of ['select', 'Failed query', email, password, 'node_modules', '.ts:'])
    expect(text).not.toContain(leak);
  expect((await app.request('/readyz')).status).toBe(503);
});
