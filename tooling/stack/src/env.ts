import { z } from 'zod';

const Env = z.object({
  /** Use this PostgreSQL instead of the embedded one (start) / as the test server (test, bench). */
  DATABASE_URL: z.string().optional(),
  /** The vault's key-encryption key; `npm start` generates .data/master.key when unset. */
  QUARRY_MASTER_KEY: z.string().optional(),
  /** Port of the API `npm start` serves on. */
  PORT: z.coerce.number().int().default(3000),
  /** Ports of the embedded servers for start and for tests/benchmarks. */
  QUARRY_PG_PORT: z.coerce.number().int().default(54329),
  QUARRY_TEST_PG_PORT: z.coerce.number().int().default(54339),
  /** Port of the embedded PostgreSQL with TLS that test warehouses live on. */
  QUARRY_TEST_TLS_PG_PORT: z.coerce.number().int().default(54359),
  /** More private hosts data connections may reach; `npm start` adds the demo warehouse's host. */
  QUARRY_ALLOWED_PRIVATE_HOSTS: z.string().optional(),
  /** Orders in the demo warehouse of start, of the test run, of the benchmarks. */
  QUARRY_DEMO_ORDERS: z.coerce.number().int().min(1000).default(1_000_000),
  QUARRY_TEST_ORDERS: z.coerce.number().int().min(1000).default(100_000),
  QUARRY_BENCH_ORDERS: z.coerce.number().int().min(100_000).default(200_000),
  /** `true` in CI: tests use the machine's PostgreSQL and MariaDB. */
  CI: z.string().optional(),
  MYSQL_URL: z.string().optional(),
  /** `1`: an unreachable advisory service fails `npm test` instead of warning. */
  QUARRY_AUDIT_REQUIRED: z.string().optional(),
  /** The Chromium binary for the browser tests (default /usr/bin/chromium, Debian's). */
  CHROMIUM_PATH: z.string().optional(),
  /** The checkout's root, set by the bootstrap. */
  QUARRY_ROOT: z.string().optional(),
  /** A folder: the api and runner processes write their V8 CPU profiles there (for profiling a bench). */
  QUARRY_CPU_PROF_DIR: z.string().optional(),
});

/** The stack runner's settings, read once. */
export const env = Object.freeze(Env.parse(process.env));

/** The environment children inherit (PATH to Node 24 and pnpm, HOME, …) plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
