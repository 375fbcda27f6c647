import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor } from '../registry/kinds';
import type { StreamEvent } from '../types';

let warehouse: TestWarehouse;
let admin: postgres.Sql;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 10 });
  admin = postgres(warehouse.adminUrl, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

const context = { timeoutMs: 60_000, allow: LOOPBACK };

function postgresConnector() {
  const connector = connectorFor('postgres');
  if (!connector) throw new Error('the postgres connector is not registered');
  return connector;
}

async function sleepsOf(tag: string): Promise<number> {
  const [row] = await admin<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
    where application_name = ${tag} and state = 'active' and query like '%pg_sleep%'`;
  return row?.n ?? -1;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe('PostgreSQL session cancel keys (JOB-6)', () => {
  it('hands over the backend pid and secret before the statement, and cancels the query through them from elsewhere', async () => {
    const connector = postgresConnector();
    const settings = connector.configFrom(warehouse.settings, { password: warehouse.reader.password });
    const tag = `quarry-run:run_${Date.now().toString(36)}`;
    const keys: string[] = [];
    const events: StreamEvent[] = [];
    const done = (async () => {
      for await (const event of connector.stream(
        settings,
        {
          sql: 'select pg_sleep(600)',
          params: [],
          rowLimit: 10,
          tag,
          onSession: async (key) => {
            keys.push(key);
          },
        },
        context,
      ))
        events.push(event);
    })();

    expect(await waitFor(async () => (await sleepsOf(tag)) === 1, 10_000)).toBe(true);
    expect(keys).toHaveLength(1);
    const key = JSON.parse(keys[0] ?? '') as { pid: number; secret: number };
    const [backend] = await admin<{ pid: number }[]>`
      select pid from pg_stat_activity where application_name = ${tag}`;
    expect(key.pid).toBe(backend?.pid);
    expect(Number.isInteger(key.secret)).toBe(true);

    // Another process, knowing only the key: the reader role cannot see the session in
    // pg_stat_activity, and does not need to.
    const cancelled = await connector.cancelSession(settings, keys[0] ?? '', context);
    expect(cancelled).toEqual({ ok: true, value: true });
    await done;
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'run.cancelled' } });
    expect(await waitFor(async () => (await sleepsOf(tag)) === 0, 5000)).toBe(true);
  });

  it('cancels nothing with a key whose secret is wrong', async () => {
    const connector = postgresConnector();
    const settings = connector.configFrom(warehouse.settings, { password: warehouse.reader.password });
    const tag = `quarry-run:run_${Date.now().toString(36)}w`;
    const keys: string[] = [];
    const controller = new AbortController();
    const done = (async () => {
      for await (const _event of connector.stream(
        settings,
        {
          sql: 'select pg_sleep(600)',
          params: [],
          rowLimit: 10,
          tag,
          onSession: async (k) => void keys.push(k),
        },
        { ...context, signal: controller.signal },
      )) {
        // drained
      }
    })();
    expect(await waitFor(async () => (await sleepsOf(tag)) === 1, 10_000)).toBe(true);
    const key = JSON.parse(keys[0] ?? '') as { pid: number; secret: number };
    const forged = JSON.stringify({ pid: key.pid, secret: (key.secret + 1) % 0x1_0000_0000 });

    expect(await connector.cancelSession(settings, forged, context)).toEqual({ ok: true, value: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await sleepsOf(tag)).toBe(1);

    controller.abort();
    await done;
    expect(await waitFor(async () => (await sleepsOf(tag)) === 0, 5000)).toBe(true);
  });

  it('refuses a key that is not a PostgreSQL cancel key with a typed error', async () => {
    const connector = postgresConnector();
    const settings = connector.configFrom(warehouse.settings, { password: warehouse.reader.password });
    for (const key of ['', 'not json', '{"pid":-1,"secret":1}', '{"pid":1}', '[1,2]']) {
      const outcome = await connector.cancelSession(settings, key, context);
      expect(outcome).toMatchObject({ ok: false, error: { code: 'connector.failed', kind: 'system' } });
    }
  });
});
