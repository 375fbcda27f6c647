import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_WAREHOUSE_ROLE, seedDemoWarehouse, TEST_READER_PASSWORD } from '@quarry/db/demo-warehouse';
import { generateMasterKey } from '@quarry/vault';
import { paint, say } from './log';
import { persistedSecret, root } from './paths';
import { answers, dropDatabase, ensureDatabase, type Server, startEmbedded } from './postgres';
import { launchProduct, prepareProduct } from './product';
import { printTestSummary } from './test-summary';

const MACHINE_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const pnpm = join(root, '.tooling', 'bin', process.platform === 'win32' ? 'pnpm.cmd' : 'pnpm');

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  return spawnSync(command, args, { cwd: root, env, stdio: 'inherit' }).status ?? 1;
}

/** The SPA is built once and rebuilt only when a file under apps/web/src is newer than the build. */
function ensureWebBuild(): string {
  const web = join(root, 'apps', 'web');
  const built = join(web, 'dist', 'index.html');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
      const path = join(dir, entry.name);
      return Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  if (!existsSync(built) || newest(join(web, 'src')) > statSync(built).mtimeMs) {
    say('building the web app…');
    if (run(pnpm, ['--filter', '@quarry/web', 'run', 'build']) !== 0) throw new Error('the web build failed');
  }
  return join(web, 'dist');
}

async function start(): Promise<void> {
  const started = Date.now();
  const masterKey = process.env.QUARRY_MASTER_KEY ?? persistedSecret('master.key', generateMasterKey);
  if (!process.env.QUARRY_MASTER_KEY)
    say(
      'vault master key: .data/master.key (generated on first start; set QUARRY_MASTER_KEY to use your own)',
    );
  let server: Server;
  let databaseUrl: string;
  if (process.env.DATABASE_URL) {
    databaseUrl = process.env.DATABASE_URL;
    const admin = new URL(databaseUrl);
    admin.pathname = '/postgres';
    server = { adminUrl: admin.toString(), kind: 'external', stop: async () => {} };
    say(`using the PostgreSQL at DATABASE_URL (${admin.host})`);
  } else {
    server = await startEmbedded('postgres', Number(process.env.QUARRY_PG_PORT ?? 54329));
    databaseUrl = await ensureDatabase(server.adminUrl, 'quarry');
  }
  const warehouseUrl = await ensureDatabase(server.adminUrl, 'quarry_demo_warehouse');
  const adminEmail = 'admin@quarry.local';
  const adminPassword = persistedSecret(
    'demo-admin-password',
    () => `demo-${crypto.randomUUID().slice(0, 13)}`,
  );
  const orders = Number(process.env.QUARRY_DEMO_ORDERS ?? 1_000_000);
  say(
    `migrating and seeding the demo workspace (${orders.toLocaleString('en')} orders; the first start takes a minute)…`,
  );
  const prepared = await prepareProduct({
    databaseUrl,
    warehouseUrl,
    orders,
    masterKey,
    adminEmail,
    adminPassword,
    readerPassword: persistedSecret('demo-reader-password', () => crypto.randomUUID()),
  });
  const webDist = ensureWebBuild();
  const port = Number(process.env.PORT ?? 3000);
  const product = await launchProduct({ databaseUrl, masterKey, port, webDist });
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

/** Where tests create their databases: DATABASE_URL, else the machine's in CI, else embedded. */
async function testServer(): Promise<Server> {
  if (process.env.DATABASE_URL)
    return { adminUrl: process.env.DATABASE_URL, kind: 'external', stop: async () => {} };
  if (process.env.CI === 'true') {
    if (await answers(MACHINE_PG)) return { adminUrl: MACHINE_PG, kind: 'machine', stop: async () => {} };
    say('no PostgreSQL answers on 127.0.0.1:5432; starting an embedded one');
  }
  return startEmbedded('test-postgres', Number(process.env.QUARRY_TEST_PG_PORT ?? 54339));
}

async function withTestEnvironment(
  orders: number,
  body: (env: NodeJS.ProcessEnv) => Promise<number>,
): Promise<number> {
  const server = await testServer();
  say(`tests use PostgreSQL: ${server.kind}`);
  const warehouseName = `quarry_test_wh_${Date.now().toString(36)}`;
  const readerPassword = TEST_READER_PASSWORD;
  try {
    const warehouseAdminUrl = await ensureDatabase(server.adminUrl, warehouseName);
    say(`seeding the test warehouse (${orders.toLocaleString('en')} orders)…`);
    await seedDemoWarehouse(warehouseAdminUrl, { orders, readerPassword });
    const reader = new URL(warehouseAdminUrl);
    reader.username = DEMO_WAREHOUSE_ROLE;
    reader.password = readerPassword;
    return await body({
      ...process.env,
      QUARRY_TEST_ADMIN_URL: server.adminUrl,
      QUARRY_TEST_WAREHOUSE_URL: reader.toString(),
      MYSQL_URL:
        process.env.MYSQL_URL ?? (process.env.CI === 'true' ? 'mysql://root@127.0.0.1:3306/test' : ''),
    });
  } finally {
    await dropDatabase(server.adminUrl, warehouseName).catch(() => {});
    await server.stop();
  }
}

async function test(args: string[]): Promise<number> {
  const started = Date.now();
  for (const dir of ['apps', 'packages', 'tooling']) {
    for (const name of readdirSync(join(root, dir)))
      rmSync(join(root, dir, name, 'test-results'), { recursive: true, force: true });
  }
  say('auditing production dependencies (fails on high or critical advisories)…');
  if (run(pnpm, ['audit', '--prod', '--audit-level', 'high']) !== 0) return 1;
  const code = await withTestEnvironment(Number(process.env.QUARRY_TEST_ORDERS ?? 100_000), async (env) =>
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
        ...args,
      ],
      env,
    ),
  );
  printTestSummary(root, Date.now() - started);
  return code;
}

async function bench(args: string[]): Promise<number> {
  return withTestEnvironment(Number(process.env.QUARRY_BENCH_ORDERS ?? 200_000), async (env) => {
    ensureWebBuild();
    return run(
      pnpm,
      ['exec', 'turbo', 'run', 'bench', '--concurrency=1', '--output-logs=full', ...args],
      env,
    );
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
  case 'bench':
    process.exit(await bench(args));
    break;
  case 'example':
    process.exit(
      run(process.execPath, [
        '--import',
        'tsx',
        join(root, 'packages', 'sdk', 'examples', 'first-query.ts'),
        ...args,
      ]),
    );
    break;
  default:
    process.stderr.write(`unknown command ${command}; use start, test, bench or example\n`);
    process.exit(2);
}
