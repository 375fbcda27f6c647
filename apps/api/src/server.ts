import { type ServerType, serve } from '@hono/node-server';
import { reconcileSchemaRefresh, startRunNotifier } from '@quarry/api';
import { createDb } from '@quarry/db';
import { EMPTY_ALLOW_LIST, parseAllowList } from '@quarry/net-policy';
import { QUEUE_SCHEMA, startQueue } from '@quarry/queue';
import { loadVaultFromEnv } from '@quarry/vault';
import type { DestinationStream } from 'pino';
import { createApp } from './app';
import { parseTrustedProxies } from './client-ip';
import type { Env } from './env';
import { createLogger } from './logger';
import { createApiMetrics } from './metrics/api-metrics';

export type RunningApi = { url: string; close: () => Promise<void> };

/** Wires the API process: database pool, vault, queue (send only), run notifier, HTTP server. */
export async function startApi(
  env: Readonly<Env>,
  options: {
    logDestination?: DestinationStream;
    /**
     * Schedules every workspace connection's schema refresh and starts a first refresh where none
     * ran (connections seeded or saved before schema browsing). The product does; tests that start
     * an API for something else do not, so no refresh job runs behind their backs.
     */
    reconcileSchemas?: boolean;
  } = {},
): Promise<RunningApi> {
  const log = createLogger('api', env.LOG_LEVEL, options.logDestination);
  const vault = loadVaultFromEnv(env);
  if (!vault.ok) throw new Error(`${vault.error.message}${vault.error.hint ? ` (${vault.error.hint})` : ''}`);
  const {
    db,
    sql,
    close: closeDb,
  } = createDb(env.DATABASE_URL, { max: 20, applicationName: 'quarry-api', genericPlans: true });
  const queue = await startQueue(env.DATABASE_URL, { supervise: false });
  const notifier = await startRunNotifier(sql);
  const publicUrl = env.QUARRY_PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  // Validated by loadEnv; an invalid list never gets here.
  const allowPrivateHosts = parseAllowList(env.QUARRY_ALLOWED_PRIVATE_HOSTS);
  const secureCookies = !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(new URL(publicUrl).origin);
  const app = createApp({
    deps: {
      db,
      sql,
      queue,
      vault: vault.value,
      notifier,
      log,
      publicUrl,
      secureCookies,
      allowPrivateHosts: allowPrivateHosts.ok ? allowPrivateHosts.value : EMPTY_ALLOW_LIST,
      queueAdmin: queue.boss,
      runCaps: {
        perUser: env.QUARRY_MAX_ACTIVE_RUNS_PER_USER,
        perWorkspace: env.QUARRY_MAX_ACTIVE_RUNS_PER_WORKSPACE,
      },
      now: () => new Date(),
    },
    log,
    webDist: env.QUARRY_WEB_DIST,
    trustedProxies: parseTrustedProxies(env.QUARRY_TRUSTED_PROXIES).proxies,
    metrics: { token: env.QUARRY_METRICS_TOKEN, ...createApiMetrics({ sql, queue: queue.boss }) },
    ready: async () => {
      const [row] = await sql<
        { queue: boolean }[]
      >`select to_regclass(${`${QUEUE_SCHEMA}.job`}) is not null as queue`;
      return { database: true, queue: row?.queue === true };
    },
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  log.info({ url: publicUrl, port }, 'api listening');
  if (options.reconcileSchemas) {
    // Schema browsing must not keep the API from serving: a failure here is logged and retried at
    // the next start, and every refresh can also be started by hand.
    await reconcileSchemaRefresh({ db, queue, now: () => new Date(), log }).catch((error: unknown) =>
      log.error({ err: error }, 'could not reconcile schema refresh schedules'),
    );
  }
  return {
    url: `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await notifier.close();
      await queue.stop({ graceful: false, timeoutMs: 2000 });
      await closeDb();
    },
  };
}
