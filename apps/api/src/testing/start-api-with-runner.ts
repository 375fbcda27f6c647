import { sweepStoredSecretsOnDrop } from '@quarry/api/testing';
import { hashPassword } from '@quarry/auth';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { observingLogStream, watchVault } from '@quarry/leak-scan';
import type { RunningWorker } from '@quarry/query-runner';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import { expect } from 'vitest';
import { loadEnv } from '../env';
import { type RunningApi, startApi } from '../server';
import { startTestRunner, TEST_PRIVATE_HOSTS } from './start-test-runner';

export type ApiWithRunner = {
  database: TestDatabase;
  warehouse: TestWarehouse;
  fixture: WorkspaceFixture;
  api: RunningApi;
  runner: RunningWorker;
  /** Signs a fixture member in over HTTP, as the SPA does; the session cookie to send back. */
  signIn: (email: string) => Promise<string>;
  /** A personal API token of a fixture member, made over HTTP from a signed-in session. */
  tokenFor: (email: string, name?: string) => Promise<string>;
  stop: () => Promise<void>;
};

/**
 * The API and a query runner in this process, as their own entry points start them (env parsing,
 * pg-boss, HTTP on a free port), over a fresh database with the workspace fixture (every member's
 * password is `password`) and a demo warehouse of `orders` orders.
 */
export async function startApiWithRunner(input: {
  orders: number;
  password: string;
}): Promise<ApiWithRunner> {
  const database = await createTestDatabase();
  const warehouse = await createTestWarehouse({ orders: input.orders });
  const masterKey = generateMasterKey();
  const vault = loadVaultFromEnv({ QUARRY_MASTER_KEY: masterKey });
  if (!vault.ok) throw new Error(vault.error.message);
  // Watched: the fixture's seals register their secrets, and the sweep at the database's drop opens
  // what the API and the runner sealed under the same master key.
  sweepStoredSecretsOnDrop();
  const fixture = await createWorkspaceFixture(database.db, {
    vault: watchVault(vault.value),
    warehouse: warehouse.reader,
    passwordHash: await hashPassword(input.password),
  });
  const common = {
    DATABASE_URL: database.url,
    QUARRY_MASTER_KEY: masterKey,
    LOG_LEVEL: 'silent',
    // The test warehouse is on loopback, which data connections may reach only when allowed.
    QUARRY_ALLOWED_PRIVATE_HOSTS: TEST_PRIVATE_HOSTS,
  };
  const runner = await startTestRunner({ databaseUrl: database.url, masterKey });
  // The API logs at info into the leak scan too (nothing reaches stdout).
  const api = await startApi(loadEnv({ ...common, PORT: '0', LOG_LEVEL: 'info' }), {
    logDestination: observingLogStream('api'),
  });

  const signIn = async (email: string): Promise<string> => {
    const res = await fetch(`${api.url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ json: { email, password: input.password } }),
    });
    expect(res.status).toBe(200);
    return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  };
  const tokenFor = async (email: string, name = 'test'): Promise<string> => {
    const cookie = await signIn(email);
    const res = await fetch(`${api.url}/trpc/tokens.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ json: { name } }),
    });
    const body = (await res.json()) as { result: { data: { json: { token: string } } } };
    return body.result.data.json.token;
  };
  return {
    database,
    warehouse,
    fixture,
    api,
    runner,
    signIn,
    tokenFor,
    stop: async () => {
      await api.close();
      await runner.stop();
      await warehouse.drop();
      await database.drop();
    },
  };
}
