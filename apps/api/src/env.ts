import { parseAllowList } from '@quarry/net-policy';
import { z } from 'zod';
import { parseTrustedProxies } from './client-ip';

const Env = z.object({
  /** Quarry's own PostgreSQL (metadata, queue, chunks). */
  DATABASE_URL: z.string().url(),
  /** 32 bytes, base64: the vault's key-encryption key. `npm start` generates one into .data/. */
  QUARRY_MASTER_KEY: z.string().min(1),
  /** Comma-separated earlier master keys, kept while `quarry vault rotate` re-wraps records. */
  QUARRY_PREVIOUS_MASTER_KEYS: z.string().optional(),
  /** Port and interface to listen on. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  /** The URL people open; mutations must come from this origin (AUTH-5). */
  QUARRY_PUBLIC_URL: z.string().url().optional(),
  /** The built SPA (apps/web/dist) to serve; unset in development, where Vite serves it. */
  QUARRY_WEB_DIST: z.string().optional(),
  /** Queued plus running runs one member may have at once; runs.start refuses past it. */
  QUARRY_MAX_ACTIVE_RUNS_PER_USER: z.coerce.number().int().min(1).default(25),
  /** Queued plus running runs one workspace may have at once, all members together. */
  QUARRY_MAX_ACTIVE_RUNS_PER_WORKSPACE: z.coerce.number().int().min(1).default(200),
  /**
   * Off by default. Behind a reverse proxy every request arrives from the proxy's address, so the
   * per-IP sign-in limit would count all clients as one. List the proxies (comma-separated addresses
   * or CIDR ranges, e.g. `10.0.0.2,fd00::/8`) and, for requests whose socket peer is one of them,
   * Quarry takes the client's address from `X-Forwarded-For` (the right-most entry that is not a
   * listed proxy). From anyone else the header is ignored. List only proxies that overwrite or
   * append to `X-Forwarded-For`; a listed address that passes a client's header through lets
   * that client choose its own address.
   */
  QUARRY_TRUSTED_PROXIES: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      const { invalid } = parseTrustedProxies(value);
      if (invalid.length > 0)
        ctx.addIssue({
          code: 'custom',
          message: `not an IP address or CIDR range: ${invalid.join(', ')}`,
        });
    }),
  /**
   * Off by default (CONN-2). Quarry refuses to contact loopback, link-local, cloud-metadata and
   * private addresses on an Admin's say-so (SSO issuers; data connections). List the internal hosts
   * it may reach anyway, comma-separated: names (`idp.corp.internal`), addresses (`10.0.0.5`) or
   * ranges (`10.20.0.0/16`). A listed name is trusted whatever it resolves to.
   */
  QUARRY_ALLOWED_PRIVATE_HOSTS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      const parsed = parseAllowList(value);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error.message });
    }),
  /**
   * Off by default. The bearer token Prometheus sends to scrape /metrics
   * (`Authorization: Bearer <token>`); while unset, /metrics answers 404 to everyone, loopback
   * included (a reverse proxy on the same host makes every request look local). At least 32
   * characters: `openssl rand -hex 32`.
   */
  QUARRY_METRICS_TOKEN: z
    .string()
    .min(32, { message: 'must be at least 32 characters (openssl rand -hex 32)' })
    .optional(),
  /** pino level: fatal, error, warn, info, debug. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Env = z.infer<typeof Env>;

export function loadEnv(source: Record<string, string | undefined> = process.env): Readonly<Env> {
  const parsed = Env.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`The API's environment is not valid:\n${lines}`);
  }
  return Object.freeze(parsed.data);
}
