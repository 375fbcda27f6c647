import { parseAllowList } from '@quarry/net-policy';
import { z } from 'zod';
import { KernelEnv } from './cells/kernel-env';

const Env = z.object({
  /** Quarry's own PostgreSQL (metadata, queue, chunks). */
  DATABASE_URL: z.string().url(),
  /** 32 bytes, base64: the vault's key-encryption key (the runner unwraps connection credentials). */
  QUARRY_MASTER_KEY: z.string().min(1),
  /** Comma-separated earlier master keys, during a rotation. */
  QUARRY_PREVIOUS_MASTER_KEYS: z.string().optional(),
  /** Runs this process executes at once. */
  QUARRY_RUNNER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * Queries one data connection runs at once across every runner; its further runs wait in the
   * queue (pg-boss's global group concurrency, the group being the connection).
   */
  QUARRY_CONNECTION_QUERY_LIMIT: z.coerce.number().int().min(1).max(1000).default(10),
  /**
   * Runs one user has running at once in a workspace; a further run of theirs that comes up is put
   * back in the queue for a moment rather than run.
   */
  QUARRY_USER_ACTIVE_RUN_LIMIT: z.coerce.number().int().min(1).max(1000).default(25),
  /**
   * On SIGTERM, how long the runner lets the runs it holds finish before it hands them back (queued
   * again when no row went out, failed as interrupted otherwise) and exits.
   */
  QUARRY_RUNNER_DRAIN_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
  /**
   * How long a warehouse session a run left idle is kept for the next run of the same connection
   * (it then skips connecting, TLS and signing in); 0 keeps none, and every run opens its own.
   * Sessions that carried a reader's identity, or ran through an SSH tunnel, are never kept. A
   * connection's credentials, once unwrapped for a run, are kept as long for its next runs.
   */
  QUARRY_RUNNER_SESSION_IDLE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** The largest single value a run may receive, in bytes (16 MiB); a bigger one fails the run. */
  QUARRY_RUNNER_MAX_VALUE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  /** The most row data one run may receive, in bytes (256 MiB); past it the run fails. */
  QUARRY_RUNNER_MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024 * 1024),
  /**
   * Internal hosts data connections may reach despite the address policy (CONN-2), comma-separated:
   * names, addresses or ranges. The embedded demo allows its own loopback warehouse here.
   */
  QUARRY_ALLOWED_PRIVATE_HOSTS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      const parsed = parseAllowList(value);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error.message });
    }),
  /**
   * Off by default. The bearer token Prometheus sends to scrape the runner's /metrics
   * (`Authorization: Bearer <token>`), as for the API's; while unset, /metrics answers 404. At least
   * 32 characters: `openssl rand -hex 32`.
   */
  QUARRY_METRICS_TOKEN: z
    .string()
    .min(32, { message: 'must be at least 32 characters (openssl rand -hex 32)' })
    .optional(),
  /** Port for /healthz and /readyz; 0 picks a free one. */
  RUNNER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  HOST: z.string().default('127.0.0.1'),
  /** Read only to check that --no-node-snapshot is set (KRN-2). */
  NODE_OPTIONS: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // JS cells' kernels: pool size, per-cell memory, CPU and wall limits, input caps (cells/kernel-env.ts).
  ...KernelEnv.shape,
});
export type Env = z.infer<typeof Env>;

export function loadEnv(source: Record<string, string | undefined> = process.env): Readonly<Env> {
  const parsed = Env.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`The query runner's environment is not valid:\n${lines}`);
  }
  return Object.freeze(parsed.data);
}
