import { createHash, randomBytes } from 'node:crypto';
import type { PostgresConfig } from '../types';
import { armSocketWatch, type ConnectOptions, connectWatched, type SocketWatch } from './stream';

type Sql = ReturnType<typeof connectWatched>;

/** One warehouse session, open for a run, or idle in the pool between runs. */
export type PostgresSession = {
  readonly sql: Sql;
  /** Whether an earlier run used this session (it skipped connecting, TLS and signing in). */
  readonly reused: boolean;
  /** What its sockets report to: re-armed with each run's byte guard. */
  readonly watch: SocketWatch;
};

type Kept = PostgresSession & {
  readonly key: string;
  readonly openedAt: number;
  uses: number;
  idleSince: number;
};

export type PostgresSessionPoolOptions = {
  /** Idle sessions kept per connection; more are ended as they come back. */
  maxIdlePerKey?: number;
  /**
   * Idle sessions kept in all: a runner serving many connections ends the one idle longest to keep
   * another, so what it holds open at warehouses stays bounded whatever their number.
   */
  maxIdle?: number;
  /** An idle session is ended after this long unused. */
  idleMs?: number;
  /** A session is ended after this many runs, or this long after it opened, whichever is first. */
  maxUses?: number;
  maxLifetimeMs?: number;
  now?: () => number;
};

export type PostgresSessionPoolStats = { opened: number; reused: number; idle: number };

/**
 * Warehouse sessions kept between runs, so a run skips connecting, the TLS handshake and signing
 * in (most of a small query's time and of the warehouse's work for it). A session is handed to one
 * run at a time, and comes back only from a run that left it idle: its query finished, no cancel
 * was ever sent on it (a late cancel request would stop the next run's query), its byte guard
 * never tripped. Coming back, its transaction is rolled back and `discard all` resets everything
 * the run's SQL could have left in the session (settings, roles, prepared statements, cursors,
 * advisory locks, temporary tables, listens) before another run may take it.
 *
 * Sessions are kept per connection settings (every field, the password and certificates too, as a
 * digest), so a changed password or host never gets an old session, and per network policy. The
 * callers decide what may be kept at all: never a session that carried a reader's identity (CONN-5:
 * it must not outlive the run), nor one through an SSH tunnel (the tunnel is the run's).
 */
export type PostgresSessionPool = {
  /** A session for `config`: an idle one armed for this run, else a new one. */
  take(config: PostgresConfig, options: ConnectOptions): PostgresSession;
  /**
   * Hands a session back: kept for the next run when `reusable` and the pool has room, else ended.
   * With `after`, kept only once it settles (ended if it rejects, or takes longer than a minute).
   * Never throws and never waits for the reset (a failed reset ends the session).
   */
  give(session: PostgresSession, reusable: boolean, after?: Promise<unknown>): void;
  /** Ends every idle session and every session given back from now on. */
  close(): Promise<void>;
  stats(): PostgresSessionPoolStats;
};

const DEFAULTS = {
  maxIdlePerKey: 16,
  maxIdle: 64,
  idleMs: 60_000,
  maxUses: 1_000,
  maxLifetimeMs: 15 * 60_000,
};

/**
 * Whether the database has an extension whose state lives in the backend beyond what `discard all`
 * resets, reachable by the next run's SQL: dblink's named connections (opened with another login's
 * password, say), postgres_fdw's connection cache, the procedural languages' session-global
 * dictionaries. A session of such a database is never kept.
 */
const HOLDS_BACKEND_STATE = `exists (
  select 1 from pg_catalog.pg_extension
  where extname in ('dblink', 'postgres_fdw', 'plpython3u', 'plperl', 'plperlu', 'pltcl', 'pltclu', 'plv8')
)`;

/** `promise`, or a rejection once a minute passed without it settling. */
function withinAMinute(promise: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('the run did not let go of the session')), 60_000);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A seed for random() no run can know: in [-1, 1], from the operating system's random source. */
const freshSeed = (): string => ((randomBytes(4).readUInt32BE(0) / 0xffff_ffff) * 2 - 1).toFixed(12);

/** The pool's key of a connection's settings under a network policy: a digest, never the fields. */
export function sessionPoolKey(
  config: PostgresConfig,
  options: Pick<ConnectOptions, 'allow' | 'ownDatabase'>,
) {
  const fields = [
    config.host,
    config.port,
    config.database,
    config.username,
    config.password,
    config.sslMode,
    config.caCertificate ?? null,
    config.clientCertificate ?? null,
    config.clientKey ?? null,
    options.allow,
    options.ownDatabase ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url');
}

export function createPostgresSessionPool(settings: PostgresSessionPoolOptions = {}): PostgresSessionPool {
  const { maxIdlePerKey, maxIdle, idleMs, maxUses, maxLifetimeMs } = { ...DEFAULTS, ...settings };
  const now = settings.now ?? Date.now;
  const idle = new Map<string, Kept[]>();
  const counts = { opened: 0, reused: 0 };
  let closed = false;
  let sweeper: NodeJS.Timeout | null = null;

  const end = (session: PostgresSession) => {
    void session.sql.end({ timeout: 0 }).catch(() => {});
  };
  const worn = (session: Kept) =>
    session.watch.closed || session.uses >= maxUses || now() - session.openedAt >= maxLifetimeMs;

  const sweep = () => {
    const cutoff = now() - idleMs;
    for (const [key, list] of idle) {
      const keep = list.filter((session) => {
        if (session.idleSince > cutoff && !worn(session)) return true;
        end(session);
        return false;
      });
      if (keep.length) idle.set(key, keep);
      else idle.delete(key);
    }
    if (idle.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = null;
    }
  };
  const idleCount = () => {
    let count = 0;
    for (const list of idle.values()) count += list.length;
    return count;
  };
  /** Ends the session idle longest, of whichever connection (each list is oldest first). */
  const endLongestIdle = () => {
    let oldest: { key: string; since: number } | null = null;
    for (const [key, list] of idle) {
      const first = list[0];
      if (first && (!oldest || first.idleSince < oldest.since)) oldest = { key, since: first.idleSince };
    }
    if (!oldest) return;
    const list = idle.get(oldest.key) ?? [];
    const [gone] = list.splice(0, 1);
    if (list.length === 0) idle.delete(oldest.key);
    if (gone) end(gone);
  };
  const keep = (session: Kept) => {
    if (closed || worn(session)) return end(session);
    const list = idle.get(session.key) ?? [];
    if (list.length >= maxIdlePerKey) return end(session);
    session.idleSince = now();
    list.push(session);
    idle.set(session.key, list);
    if (idleCount() > maxIdle) endLongestIdle();
    sweeper ??= setInterval(sweep, Math.max(1_000, Math.min(idleMs, 30_000))).unref();
  };

  return {
    take(config, options) {
      const key = sessionPoolKey(config, options);
      const list = idle.get(key);
      // The most recently used first: the others idle out when a burst is over.
      for (let session = list?.pop(); session; session = list?.pop()) {
        if (worn(session)) {
          end(session);
          continue;
        }
        armSocketWatch(session.watch, options);
        session.uses += 1;
        counts.reused += 1;
        return { ...session, reused: true } satisfies Kept;
      }
      const watch: SocketWatch = { guard: { onData: () => {} }, sockets: 0, socket: null, closed: false };
      armSocketWatch(watch, options);
      counts.opened += 1;
      const opened: Kept = {
        sql: connectWatched(config, options, watch, { keep: true }),
        reused: false,
        watch,
        key,
        openedAt: now(),
        uses: 1,
        idleSince: now(),
      };
      return opened;
    },
    give(session, reusable, after) {
      const kept = session as Kept;
      if (!reusable || closed || worn(kept)) return end(session);
      // Pipelined on the session's one connection: the run's transaction (never committed) rolled
      // back, then the session reset (`discard all` refuses to run inside a transaction), then
      // random() seeded afresh, which `discard all` leaves as the run set it (`setseed`): the next
      // run would draw a sequence the earlier one chose, and the earlier one could read what it drew.
      // The seed and the extension check are one statement.
      Promise.all([
        session.sql.unsafe('rollback'),
        session.sql.unsafe('discard all'),
        session.sql.unsafe(
          `select pg_catalog.setseed(${freshSeed()}), ${HOLDS_BACKEND_STATE} as holds`,
        ) as unknown as Promise<{ holds: boolean }[]>,
        ...(after ? [withinAMinute(after)] : []),
      ]).then(
        ([, , [state]]) => (state?.holds === false ? keep(kept) : end(session)),
        () => end(session),
      );
    },
    async close() {
      closed = true;
      if (sweeper) clearInterval(sweeper);
      sweeper = null;
      const all = [...idle.values()].flat();
      idle.clear();
      await Promise.all(all.map((session) => session.sql.end({ timeout: 1 }).catch(() => {})));
    },
    stats: () => ({ ...counts, idle: idleCount() }),
  };
}
