import { createApiToken, createSession, hashPassword } from '@quarry/auth';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { observeCaller, observingLogger, registerSecret, watchVault } from '@quarry/leak-scan';
import { type AllowList, LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { startQueue } from '@quarry/queue';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { sessionCookieName } from '../auth/session-cookie';
import { createContext } from '../context';
import type { Deps, Logger } from '../deps';
import { appRouter } from '../router';
import { startRunNotifier } from '../runs/run-notifier';
import { createCallerFactory } from '../trpc';
import { sweepStoredSecretsOnDrop } from './leak-scan-sweep';

export const FIXTURE_PASSWORD = 'correct horse battery staple';

/** The test OpenID provider listens on loopback, which the address policy refuses unless allowed. */
export const TEST_ALLOWED_PRIVATE_HOSTS: AllowList = LOOPBACK_ALLOW_LIST;

/**
 * Writes nothing; the leak scan reads each call as a log line would carry it (`log:api`), so a
 * credential handed to the logger fails the test file.
 */
export const silentLogger: Logger = observingLogger('api');

const createCaller = createCallerFactory(appRouter);

/**
 * A real stack for procedure tests: a fresh migrated database, a small demo warehouse, pg-boss,
 * the vault, and two workspaces (A and B) each with a member of every role.
 *
 * Leak scan (issue 9 item 4): the vault registers every credential and secret it seals, and every
 * caller hands each procedure's output and error to the scan, which fails the test file if one of
 * those values appears.
 */
export async function createApiHarness(options: { orders?: number } = {}) {
  const database = await createTestDatabase();
  const warehouse = await createTestWarehouse({ orders: options.orders ?? 2000 });
  const masterKey = generateMasterKey();
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: masterKey });
  if (!loaded.ok) throw new Error(loaded.error.message);
  const vault: Vault = watchVault(loaded.value);
  sweepStoredSecretsOnDrop();
  const queue = await startQueue(database.url, { supervise: false });
  const notifier = await startRunNotifier(database.sql);
  const deps: Deps = {
    db: database.db,
    sql: database.sql,
    queue,
    queueAdmin: queue.boss,
    vault,
    notifier,
    log: silentLogger,
    publicUrl: 'http://localhost:3000',
    secureCookies: false,
    allowPrivateHosts: TEST_ALLOWED_PRIVATE_HOSTS,
    now: () => new Date(),
  };
  // Every fixture member's sign-in password is a stored credential too (hashed): never echoed.
  registerSecret(FIXTURE_PASSWORD, 'user.password');
  const passwordHash = await hashPassword(FIXTURE_PASSWORD);
  const a = await createWorkspaceFixture(database.db, {
    vault,
    warehouse: warehouse.reader,
    passwordHash,
    name: 'Workspace A',
  });
  const b = await createWorkspaceFixture(database.db, {
    vault,
    warehouse: warehouse.reader,
    passwordHash,
    name: 'Workspace B',
  });

  const request = { ip: '127.0.0.1', userAgent: 'vitest', requestId: 'test' };
  const callerWithHeaders = async (headers: Headers) => {
    const resHeaders = new Headers();
    const ctx = await createContext({ deps, headers, resHeaders, request });
    return { caller: observeCaller(createCaller(ctx)), resHeaders };
  };

  return {
    database,
    warehouse,
    masterKey,
    vault,
    deps,
    a,
    b,
    anonymous: async () => (await callerWithHeaders(new Headers())).caller,
    /** A signed-in caller (session cookie) for a fixture member. */
    as: async (workspace: WorkspaceFixture, role: keyof WorkspaceFixture['users'], now?: Date) => {
      const user = workspace.users[role];
      const { token } = await createSession(database.db, {
        userId: user.id,
        workspaceId: workspace.workspaceId,
        ...(now ? { now } : {}),
      });
      return (await callerWithHeaders(new Headers({ cookie: `${sessionCookieName(false)}=${token}` })))
        .caller;
    },
    /** A caller authenticated by a personal API token. */
    withToken: async (workspace: WorkspaceFixture, role: keyof WorkspaceFixture['users']) => {
      const user = workspace.users[role];
      const { token } = await createApiToken(database.db, {
        userId: user.id,
        workspaceId: workspace.workspaceId,
        name: 'test',
        expiresInDays: 1,
      });
      return {
        token,
        caller: (await callerWithHeaders(new Headers({ authorization: `Bearer ${token}` }))).caller,
      };
    },
    callerWithHeaders,
    close: async () => {
      await notifier.close();
      await queue.stop({ graceful: false, timeoutMs: 1000 });
      await warehouse.drop();
      await database.drop();
    },
  };
}

export type ApiHarness = Awaited<ReturnType<typeof createApiHarness>>;
