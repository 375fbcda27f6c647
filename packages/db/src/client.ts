import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index';

export type Schema = typeof schema;
export type Db = PostgresJsDatabase<Schema>;
export type Sql = postgres.Sql;
/** A postgres.js transaction's own tag (sql.begin's callback gets one). */
export type TransactionSql = postgres.TransactionSql;

export type DbClient = { db: Db; sql: Sql; close: () => Promise<void> };

/**
 * One pool per process; `max` sized for the process's concurrency.
 *
 * `genericPlans`: each connection plans a prepared statement once, for every value, instead of
 * again for each execution's values (PostgreSQL's plan_cache_mode). The API's and the runner's
 * statements look rows up by key, where a plan does not depend on the values, and planning was a
 * third of what the server spent on a burst of runs, some statements' plans costing several times
 * their execution. A partial index is used by such a plan only where the statement writes the
 * index's predicate itself (runIsActive and its kind, in the schema).
 */
export function createDb(
  url: string,
  options: { max?: number; applicationName?: string; genericPlans?: boolean } = {},
): DbClient {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? 'quarry',
      ...(options.genericPlans ? { plan_cache_mode: 'force_generic_plan' } : {}),
    },
    // postgres.js leaves Nagle's algorithm on: a small message written after a large one (COPY's
    // CopyDone after a chunk's bytes, the COMMIT after it) then waits for the server's delayed ACK,
    // ~40 ms a time on Linux. Measured on a 1.8 MB chunk: 104 ms to store with it, 39 ms without.
    socket: connectWithoutDelay,
  } as postgres.Options<Record<string, postgres.PostgresType>>);
  return { db: drizzle(preparing(sql), { schema }), sql, close: () => sql.end({ timeout: 5 }) };
}

/**
 * The query builders over one connection reserved from a pool (`sql.reserve()`, given with its
 * pool), as a transaction body uses them. A reserved connection has no options of its own and parses
 * values with its pool's, which drizzle set up when it wrapped the pool. Without the relational
 * queries: mapping the schema for them cost each transaction about 0.1 ms of the API's CPU.
 */
export const queriesOver = (reserved: Sql, pool: Sql): Queries =>
  drizzle(
    preparing(
      new Proxy(reserved, {
        get: (target, property, receiver) =>
          property === 'options' ? pool.options : Reflect.get(target, property, receiver),
      }),
    ),
  );

/** The statements a transaction body may run: the query builders of the connection it holds. */
export type Queries = Pick<Db, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

/**
 * The pool as drizzle should see it: every query it sends with parameters as a named prepared
 * statement. drizzle hands postgres.js each query unprepared, and postgres.js sends an unprepared
 * query with parameters in two round trips (Parse and Describe first, to learn the parameters'
 * types, then Bind and Execute), which the server parses and plans afresh each time. Prepared, a
 * query is parsed once per connection and then costs one round trip. On the concurrent-runs bench
 * (2 vCPU) this cut the CPU a run costs the API by a quarter and PostgreSQL by a third.
 */
function preparing(sql: Sql): Sql {
  const wrap = (client: Sql): Sql =>
    new Proxy(client, {
      get(target, property, receiver) {
        if (property === 'unsafe') {
          return (query: string, args?: unknown[], options?: object) =>
            target.unsafe(query, args as postgres.ParameterOrJSON<never>[], { ...options, prepare: true });
        }
        if (property === 'begin' || property === 'savepoint') {
          return (...args: unknown[]) => {
            const last = args.length - 1;
            const body = args[last];
            if (typeof body === 'function') args[last] = (inner: Sql) => body(wrap(inner));
            return (Reflect.get(target, property) as (...a: unknown[]) => unknown)(...args);
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
  return wrap(sql);
}

/** How long connecting to Quarry's database may take (postgres.js's own connect timeout starts later). */
const CONNECT_TIMEOUT_MS = 30_000;

/** The TCP (or Unix) socket postgres.js then speaks on (and upgrades to TLS itself), with TCP_NODELAY. */
async function connectWithoutDelay(options: {
  host: string[];
  port: number[];
  path?: string | false;
}): Promise<Socket> {
  const socket = options.path
    ? connect(options.path)
    : connect(options.port[0] ?? 5432, options.host[0] ?? 'localhost');
  socket.setNoDelay(true);
  try {
    await once(socket, 'connect', { signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) });
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return socket;
}
