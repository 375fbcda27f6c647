import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DEMO_WAREHOUSE_ROLE, seedDemoWarehouse } from '@quarry/db/demo-warehouse';
import { generateMasterKey } from '@quarry/vault';
import { ensureChromium, reportMissingChromium } from './browser';
import { childEnv, env } from './env';
import { paint, say } from './log';
import { dataDir, persistedSecret, root } from './paths';
import { answers, dropDatabase, ensureDatabase, type Server, servesTls, startEmbedded } from './postgres';
import { type DemoWarehouseTls, launchProduct, prepareProduct } from './product';
import { printTestSummary } from './test-summary';
import { startTlsTestServer, tlsTestEnv, writeTlsTestEnv } from './tls-test-server';

const MACHINE_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
/** The names the embedded server's certificate carries: what a demo connection may enter as its host. */
const EMBEDDED_TLS_HOSTS = ['127.0.0.1', 'localhost'];
const pnpm = join(root, '.tooling', 'bin', process.platform === 'win32' ? 'pnpm.cmd' : 'pnpm');

/**
 * Runs a command to its end without blocking this process: the embedded server's output pipes are
 * drained by this event loop, and a blocked loop would let them fill and stall the database.
 */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = childEnv()): Promise<number> {
  const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

/** The SPA is built once and rebuilt only when a file under apps/web/src is newer than the build. */
async function ensureWebBuild(): Promise<string> {
  const web = join(root, 'apps', 'web');
  const built = join(web, 'dist', 'index.html');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
      const path = join(dir, entry.name);
      return Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  if (!existsSync(built) || newest(join(web, 'src')) > statSync(built).mtimeMs) {
    say('building the web app…');
    if ((await run(pnpm, ['--filter', '@quarry/web', 'run', 'build'])) !== 0)
      throw new Error('the web build failed');
  }
  return join(web, 'dist');
}

async function start(): Promise<void> {
  const started = Date.now();
  const masterKey = env.QUARRY_MASTER_KEY ?? persistedSecret('master.key', generateMasterKey);
  if (!env.QUARRY_MASTER_KEY)
    say(
      'vault master key: .data/master.key (generated on first start; set QUARRY_MASTER_KEY to use your own)',
    );
  let server: Server;
  let databaseUrl: string;
  if (env.DATABASE_URL) {
    databaseUrl = env.DATABASE_URL;
    const admin = new URL(databaseUrl);
    admin.pathname = '/postgres';
    server = { adminUrl: admin.toString(), kind: 'external', stop: async () => {} };
    say(`using the PostgreSQL at DATABASE_URL (${admin.host})`);
  } else {
    // The demo connection honours "TLS required": the embedded server serves TLS with a
    // certificate generated at the first start, and the connection checks it against that CA.
    // Started by pg_ctl, in a session of its own: Ctrl-C reaches the terminal's process group, and
    // the server must outlive the API and the runners it serves until shutdown stops them first
    // (it stopped with them, and their connections died with driver traces on the way out).
    server = await startEmbedded('postgres', env.QUARRY_PG_PORT, {
      tls: { hosts: EMBEDDED_TLS_HOSTS },
      detached: true,
    });
    databaseUrl = await ensureDatabase(server.adminUrl, 'quarry');
  }
  const warehouseUrl = await ensureDatabase(server.adminUrl, 'quarry_demo_warehouse');
  const warehouseTls = await demoWarehouseTls(server);
  const adminEmail = 'admin@quarry.local';
  const adminPassword = persistedSecret(
    'demo-admin-password',
    () => `demo-${crypto.randomUUID().slice(0, 13)}`,
  );
  const orders = env.QUARRY_DEMO_ORDERS;
  say(
    `migrating; the demo warehouse (${orders.toLocaleString('en')} orders) is generated on the first start only…`,
  );
  const prepared = await prepareProduct({
    databaseUrl,
    warehouseUrl,
    orders,
    masterKey,
    adminEmail,
    adminPassword,
    readerPassword: persistedSecret('demo-reader-password', () => crypto.randomUUID()),
    warehouseTls,
    // The embedded server is Quarry's own: close every database to the reader's view of sessions.
    hardenOtherDatabases: server.kind === 'external' ? [] : 'all',
  });
  if (prepared.exposedDatabases.length > 0) {
    say(
      paint(
        'yellow',
        `the demo reader can still connect to ${prepared.exposedDatabases.join(', ')} on this server and read the SQL of other demo sessions there; revoke CONNECT from PUBLIC on them, or run \`revoke execute on function pg_stat_get_activity(integer) from public\` in each`,
      ),
    );
  }
  const webDist = await ensureWebBuild();
  const port = env.PORT;
  // CONN-2 refuses internal addresses; the demo's warehouse is one, so its host is allowed, and said.
  const warehouseHost = new URL(warehouseUrl).hostname;
  const allowPrivateHosts = [env.QUARRY_ALLOWED_PRIVATE_HOSTS, warehouseHost].filter(Boolean).join(',');
  say(
    `data connections may reach the demo warehouse's host ${warehouseHost} (QUARRY_ALLOWED_PRIVATE_HOSTS=${allowPrivateHosts})`,
  );
  const product = await launchProduct({ databaseUrl, masterKey, port, webDist, allowPrivateHosts });
  const line = paint('green', '─'.repeat(60));
  process.stdout.write(
    `\n${line}\n  Quarry is running: ${paint('cyan', product.url)}\n` +
      `  Sign in as ${paint('yellow', adminEmail)} with password ${paint('yellow', adminPassword)}\n` +
      `  Open the project "Orders overview" and press Run.\n` +
      `  Started in ${((Date.now() - started) / 1000).toFixed(1)} s${prepared.warehouseSeeded ? ' (demo data generated)' : ''}. Ctrl-C stops everything.\n${line}\n\n`,
  );
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await product.stop();
    await server.stop();
    say('stopped');
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('message', (message) => {
    if (message && typeof message === 'object' && 'stop' in message) void shutdown();
  });
  const exited = await Promise.race(
    product.processes.map((p) => p.exited.then((code) => ({ name: p.name, code }))),
  );
  if (!stopping) {
    say(`${exited.name} exited with code ${exited.code}; stopping the rest`);
    await product.stop();
    await server.stop();
    process.exit(1);
  }
}

/**
 * How the demo connection reaches its warehouse over TLS. The embedded server's own CA: verify-ca.
 * A server at DATABASE_URL: `require` when it serves TLS (Quarry has no CA of it; an Admin can paste
 * one and choose Verify CA). When it does not, the demo connection cannot work (PostgreSQL
 * connections are always encrypted): the log says so, and what to do.
 */
async function demoWarehouseTls(server: Server): Promise<DemoWarehouseTls> {
  if (server.tls) return { sslMode: 'verify-ca', caCertificate: server.tls.caCertificate };
  if (await servesTls(server.adminUrl)) {
    say(
      'the PostgreSQL at DATABASE_URL serves TLS; the demo connection encrypts without checking its certificate (sslMode require): paste its CA in Settings → Data sources and choose Verify CA to check it',
    );
  } else {
    say(
      paint(
        'yellow',
        'the PostgreSQL at DATABASE_URL does not serve TLS (ssl = off), and Quarry connects to warehouses over TLS only: the demo connection will fail with "does not offer TLS" until the server has ssl = on with a certificate and key (ssl_cert_file, ssl_key_file), then a restart',
      ),
    );
  }
  return { sslMode: 'require' };
}

/** Where tests create their databases: DATABASE_URL, else the machine's in CI, else embedded. */
async function testServer(): Promise<Server> {
  if (env.DATABASE_URL) return { adminUrl: env.DATABASE_URL, kind: 'external', stop: async () => {} };
  if (env.CI === 'true') {
    if (await answers(MACHINE_PG)) return { adminUrl: MACHINE_PG, kind: 'machine', stop: async () => {} };
    say('no PostgreSQL answers on 127.0.0.1:5432; starting an embedded one');
  }
  return startEmbedded('test-postgres', env.QUARRY_TEST_PG_PORT, { anyFreePort: true });
}

async function withTestEnvironment(
  orders: number,
  body: (testEnv: NodeJS.ProcessEnv) => Promise<number>,
): Promise<number> {
  const server = await testServer();
  say(`tests use PostgreSQL: ${server.kind}`);
  const tlsServer = await startTlsTestServer({ detached: false });
  say(`test warehouses live on an embedded PostgreSQL with TLS on port ${new URL(tlsServer.adminUrl).port}`);
  const warehouseName = `quarry_test_wh_${Date.now().toString(36)}`;
  const readerPassword = tlsServer.readerPassword;
  try {
    const warehouseAdminUrl = await ensureDatabase(tlsServer.adminUrl, warehouseName);
    say(`seeding the test warehouse (${orders.toLocaleString('en')} orders)…`);
    await seedDemoWarehouse(warehouseAdminUrl, { orders, readerPassword });
    const reader = new URL(warehouseAdminUrl);
    reader.username = DEMO_WAREHOUSE_ROLE;
    reader.password = readerPassword;
    return await body({
      ...childEnv(),
      QUARRY_TEST_ADMIN_URL: server.adminUrl,
      QUARRY_TEST_WAREHOUSE_URL: reader.toString(),
      // With QUARRY_TEST_READER_PASSWORD: the TLS test server's own.
      ...tlsTestEnv(tlsServer),
      MYSQL_URL: env.MYSQL_URL ?? (env.CI === 'true' ? 'mysql://root@127.0.0.1:3306/test' : ''),
    });
  } finally {
    await dropDatabase(tlsServer.adminUrl, warehouseName).catch(() => {});
    await tlsServer.stop();
    await server.stop();
  }
}

/**
 * `pnpm audit --prod`, failing on high or critical advisories. When the registry's advisory service
 * cannot be reached at all (some networks allow package downloads but not the audit endpoint), the
 * run says so loudly and goes on, unless QUARRY_AUDIT_REQUIRED=1 makes that a failure too.
 */
function audit(): boolean {
  say('auditing production dependencies (fails on high or critical advisories)…');
  const result = spawnSync(pnpm, ['audit', '--prod', '--audit-level', 'high'], {
    cwd: root,
    encoding: 'utf8',
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status === 0) {
    process.stdout.write(output);
    return true;
  }
  if (
    /ERR_PNPM_AUDIT_BAD_RESPONSE|ERR_PNPM_AUDIT_ENDPOINT|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.test(
      output,
    )
  ) {
    say(
      paint(
        'yellow',
        `the advisory service could not be reached, so no audit ran: ${output.trim().split('\n')[0]}`,
      ),
    );
    return env.QUARRY_AUDIT_REQUIRED !== '1';
  }
  process.stdout.write(output);
  return false;
}

async function test(args: string[]): Promise<number> {
  const started = Date.now();
  for (const dir of ['apps', 'packages', 'tooling']) {
    for (const name of readdirSync(join(root, dir)))
      rmSync(join(root, dir, name, 'test-results'), { recursive: true, force: true });
  }
  if (!audit()) return 1;
  const browser = ensureChromium();
  const code = await withTestEnvironment(env.QUARRY_TEST_ORDERS, async (testEnv) =>
    run(
      pnpm,
      [
        'exec',
        'turbo',
        'run',
        'typecheck',
        'lint',
        'test',
        '--output-logs=errors-only',
        '--concurrency=4',
        '--continue',
        ...args,
      ],
      testEnv,
    ),
  );
  printTestSummary(root, Date.now() - started);
  if (!browser) reportMissingChromium();
  return code;
}

/**
 * Every benchmark under a bench/ folder, through turbo. Each ends with one JSON line; turbo's own
 * summary would follow them, so the JSON lines are printed once more at the very end.
 */
async function bench(args: string[]): Promise<number> {
  return withTestEnvironment(env.QUARRY_BENCH_ORDERS, async (testEnv) => {
    await ensureWebBuild();
    const results: string[] = [];
    const child = spawn(
      pnpm,
      ['exec', 'turbo', 'run', 'bench', '--concurrency=1', '--output-logs=full', ...args],
      {
        cwd: root,
        env: testEnv,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      process.stdout.write(`${line}\n`);
      const json = /(\{"bench":.*\})\s*$/.exec(line)?.[1];
      if (json) results.push(json);
    });
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    process.stdout.write(`\n${results.join('\n')}\n`);
    return code;
  });
}

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'start':
    await start();
    break;
  case 'test':
    process.exit(await test(args));
    break;
  case 'tls-test-server': {
    // For bare vitest runs: the TLS test server, left running, and its environment in a 0600 file.
    // Not on stdout: it holds the server's passwords and the client key, and terminals get logged.
    const server = await startTlsTestServer({ detached: true });
    const file = writeTlsTestEnv(server);
    say(
      `the TLS test server stays up on port ${new URL(server.adminUrl).port}; its environment is in ${file} (source it)`,
    );
    process.exit(0);
    break;
  }
  case 'bench':
    process.exit(await bench(args));
    break;
  case 'quarry': {
    // Operator commands run against DATABASE_URL, or the embedded server `npm start` uses.
    let databaseUrl = env.DATABASE_URL;
    let server: Server | null = null;
    if (!databaseUrl) {
      // Started as npm start starts it (TLS on), should npm start find it running.
      server = await startEmbedded('postgres', env.QUARRY_PG_PORT, { tls: { hosts: EMBEDDED_TLS_HOSTS } });
      databaseUrl = await ensureDatabase(server.adminUrl, 'quarry');
    }
    // …and the master key `npm start` uses: QUARRY_MASTER_KEY, else .data/master.key (never generated here).
    const keyFile = join(dataDir, 'master.key');
    const masterKey =
      env.QUARRY_MASTER_KEY ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
    const code = await run(
      process.execPath,
      ['--import', 'tsx', join(root, 'apps', 'api', 'src', 'cli', 'main.ts'), ...args],
      childEnv({ DATABASE_URL: databaseUrl, ...(masterKey ? { QUARRY_MASTER_KEY: masterKey } : {}) }),
    );
    await server?.stop();
    process.exit(code);
    break;
  }
  case 'example':
    process.exit(
      await run(process.execPath, [
        '--import',
        'tsx',
        join(root, 'packages', 'sdk', 'examples', 'first-query.ts'),
        ...args,
      ]),
    );
    break;
  default:
    process.stderr.write(
      `unknown command ${command}; use start, test, bench, tls-test-server, quarry or example\n`,
    );
    process.exit(2);
}
