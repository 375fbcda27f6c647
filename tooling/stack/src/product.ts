import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { seedDemoWorkspace } from '@quarry/api/seed';
import { createDb, runMigrations } from '@quarry/db';
import { DEMO_WAREHOUSE_ROLE, seedDemoWarehouse } from '@quarry/db/demo-warehouse';
import { loadVaultFromEnv } from '@quarry/vault';
import { bundleProduct } from './bundle';
import { childEnv, env } from './env';
import { root } from './paths';
import { type Managed, startProcess, stopAll, waitForHttp } from './processes';

/** The demo connection's TLS: verify-ca against the embedded server's CA, or require elsewhere. */
export type DemoWarehouseTls = { sslMode: 'require' } | { sslMode: 'verify-ca'; caCertificate: string };

export type PreparedProduct = {
  workspaceId: string;
  projectId: string;
  warehouseSeeded: boolean;
  /** Other databases of the server where the demo reader could still read its sessions' SQL. */
  exposedDatabases: string[];
};

/**
 * Brings a database to the state `npm start` needs: migrated, the demo warehouse filled, the demo
 * workspace seeded with its connection's password sealed by the vault.
 */
export async function prepareProduct(input: {
  databaseUrl: string;
  warehouseUrl: string;
  orders: number;
  masterKey: string;
  adminEmail: string;
  adminPassword: string;
  readerPassword: string;
  /** How the demo connection checks the warehouse's TLS (see main.ts's demoWarehouseTls). */
  warehouseTls: DemoWarehouseTls;
  /**
   * The server's other databases to close to the demo reader's view of sessions: `'all'` on a
   * server Quarry owns (the embedded one), none on someone else's.
   */
  hardenOtherDatabases?: 'all' | readonly string[];
}): Promise<PreparedProduct> {
  await runMigrations(input.databaseUrl);
  const warehouse = await seedDemoWarehouse(input.warehouseUrl, {
    orders: input.orders,
    readerPassword: input.readerPassword,
    ...(input.hardenOtherDatabases ? { hardenOtherDatabases: input.hardenOtherDatabases } : {}),
  });
  const vault = loadVaultFromEnv({ QUARRY_MASTER_KEY: input.masterKey });
  if (!vault.ok) throw new Error(vault.error.message);
  const { db, close } = createDb(input.databaseUrl, { max: 2 });
  try {
    const wh = new URL(input.warehouseUrl);
    const seeded = await seedDemoWorkspace(
      { db, vault: vault.value },
      {
        adminEmail: input.adminEmail,
        adminPassword: input.adminPassword,
        warehouse: {
          host: wh.hostname,
          port: Number(wh.port || 5432),
          database: wh.pathname.slice(1),
          username: DEMO_WAREHOUSE_ROLE,
          password: input.readerPassword,
          ...input.warehouseTls,
        },
      },
    );
    return {
      workspaceId: seeded.workspaceId,
      projectId: seeded.projectId,
      warehouseSeeded: warehouse.seeded,
      exposedDatabases: warehouse.exposedDatabases,
    };
  } finally {
    await close();
  }
}

export type RunningProduct = { url: string; processes: Managed[]; stop: () => Promise<void> };

/**
 * QUARRY_CPU_PROF_DIR (for profiling a bench): each process writes a V8 CPU profile there when it
 * exits, to open in Chrome's DevTools or read with tooling/stack's cpu-profile summary.
 */
const cpuProfileArgs = (name: string): string[] => {
  const dir = env.QUARRY_CPU_PROF_DIR;
  return dir
    ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.${Date.now()}.cpuprofile`]
    : [];
};

/**
 * The young generation's cap for the api and the runners (the Dockerfiles set the same). Streaming
 * a result makes garbage fast; V8 then grows the young generation to its default cap (2 × 64 MB
 * semi-spaces on Node 24): 128 MB of the api's and runner's peak. 8 MB semi-spaces hold the peak
 * near 16 MB (stream-1m), at the cost of more, cheap scavenges.
 */
const SEMI_SPACE_FLAG = '--max-semi-space-size=8';

/**
 * An app as one bundled file (bundle.ts). Without --enable-source-maps, which would hold the parsed
 * map (19 MB of the api's resident set, measured): stack frames keep their function names, and a
 * line of the unminified bundle sits under a comment naming its source file.
 */
const bundledEntry = (app: string, outfile: string, name: string) => ({
  command: process.execPath,
  args: ['--no-node-snapshot', SEMI_SPACE_FLAG, ...cpuProfileArgs(name), outfile],
  cwd: join(root, 'apps', app),
});

/** Starts the api (serving the built SPA) and `runners` query runners as child processes. */
export async function launchProduct(input: {
  databaseUrl: string;
  masterKey: string;
  port: number;
  runners?: number;
  webDist?: string;
  logLevel?: string;
  quiet?: boolean;
  /**
   * Every line each process writes (stdout and stderr, every level, whatever `quiet` prints), with
   * the process's name: tests hand them to the leak scan.
   */
  onOutput?: (name: string, line: string) => void;
  /** More environment for the api only, such as QUARRY_ALLOWED_PRIVATE_HOSTS for a loopback identity provider. */
  apiEnv?: Record<string, string>;
  /**
   * Private hosts data connections may reach (api and runners): the demo warehouse's own host, so
   * the demo connection works while every other internal address stays refused (CONN-2).
   */
  allowPrivateHosts?: string;
}): Promise<RunningProduct> {
  const base = {
    ...childEnv(),
    ...(input.allowPrivateHosts ? { QUARRY_ALLOWED_PRIVATE_HOSTS: input.allowPrivateHosts } : {}),
    DATABASE_URL: input.databaseUrl,
    QUARRY_MASTER_KEY: input.masterKey,
    LOG_LEVEL: input.logLevel ?? 'info',
    NODE_OPTIONS: '',
  };
  const { api: apiBundle, runner: runnerBundle } = await bundleProduct();
  const processes: Managed[] = [];
  const runnerPorts: number[] = [];
  for (let i = 0; i < (input.runners ?? 1); i += 1) {
    const healthPort = input.port + 1 + i;
    runnerPorts.push(healthPort);
    const name = input.runners && input.runners > 1 ? `runner${i + 1}` : 'runner';
    processes.push(
      startProcess({
        name,
        color: 'magenta',
        ...bundledEntry('query-runner', runnerBundle, name),
        env: { ...base, RUNNER_HEALTH_PORT: String(healthPort) },
        quiet: input.quiet,
        // A runner that dies (a hostile query, a crashed kernel) is restarted; the API keeps serving.
        restart: true,
      }),
    );
  }
  processes.push(
    startProcess({
      name: 'api',
      color: 'green',
      ...bundledEntry('api', apiBundle, 'api'),
      env: {
        ...base,
        PORT: String(input.port),
        QUARRY_PUBLIC_URL: `http://localhost:${input.port}`,
        ...(input.webDist ? { QUARRY_WEB_DIST: input.webDist } : {}),
        ...input.apiEnv,
      },
      quiet: input.quiet,
    }),
  );
  const onOutput = input.onOutput;
  if (onOutput) for (const managed of processes) tapOutput(managed, (line) => onOutput(managed.name, line));
  const stop = () => stopAll(processes);
  const url = `http://localhost:${input.port}`;
  const ready = await Promise.all([
    waitForHttp(`${url}/readyz`, 60_000),
    ...runnerPorts.map((p) => waitForHttp(`http://127.0.0.1:${p}/readyz`, 60_000)),
  ]);
  if (ready.some((ok) => !ok)) {
    await stop();
    throw new Error('Quarry did not become ready within 60 s; see the log lines above');
  }
  return { url, processes, stop };
}

/**
 * Reads each line a managed process writes, alongside startProcess's own printing, and again from
 * the child a supervised process restarts (startProcess's exit listener, registered first, has
 * spawned it by the time this one runs). Attached in the tick of the spawn, so no line is missed.
 */
function tapOutput(managed: Managed, onLine: (line: string) => void): void {
  const tap = (child: ChildProcess) => {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', onLine);
    }
    child.once('exit', () => {
      if (managed.child !== child) tap(managed.child);
    });
  };
  tap(managed.child);
}
