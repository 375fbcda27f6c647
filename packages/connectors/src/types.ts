import type { Cell, Column, QuarryError } from '@quarry/contracts';
import type { AllowList } from '@quarry/net-policy';
import { z } from 'zod';
import type { OwnDatabase } from './postgres/own-database';
import type { ResultLimits } from './postgres/result-guard';
import type { PostgresSessionPool } from './postgres/session-pool';
import type { Dialer, StreamRequest } from './registry/connector';

/** CONN-1: structured fields only; no connection string, no driver option that reads files. */
export const PostgresConfig = z.object({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  database: z.string().min(1).max(63),
  username: z.string().min(1).max(63),
  password: z.string().max(1024),
  /** Always encrypted (the seed: PostgreSQL TLS is Required); see openPostgresSocket for each mode. */
  sslMode: z.enum(['require', 'verify-ca', 'verify-full']),
  /** PEM text, never a path (CONN-1): the CA (or bundle) the server's certificate must chain to. */
  caCertificate: z.string().optional(),
  /** PEM text: a client certificate and its unencrypted key, for `cert` authentication. */
  clientCertificate: z.string().optional(),
  clientKey: z.string().optional(),
});
export type PostgresConfig = z.infer<typeof PostgresConfig>;

/** `user`: the query or its input is at fault (bad SQL, a limit). `system`: the path to the data is. */
export type ConnectorError = QuarryError & {
  kind: 'user' | 'system';
  transient: boolean;
  /** What the driver said, for the log only: it can name addresses and ports (never shown). */
  internal?: string;
};

export type StreamEvent =
  | { type: 'columns'; columns: Column[] }
  | { type: 'rows'; rows: Cell[][] }
  | { type: 'end'; rowCount: number; truncated: boolean }
  | { type: 'error'; error: ConnectorError };

export type StreamOptions = {
  rowLimit: number;
  /** Private addresses the operator allowed (CONN-2); everything else internal is refused. */
  allow: AllowList;
  /** Quarry's own database, refused whatever the allow list says (CONN-2). */
  ownDatabase?: OwnDatabase;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Rows per batch fetched from the server and handed on. */
  batchSize?: number;
  /** Byte limits on one value and on the whole result (defaults: DEFAULT_RESULT_LIMITS). */
  limits?: ResultLimits;
  /** The session's name at the server (`application_name`), for finding an orphaned query. */
  tag?: string;
  /** Reaches the server through an SSH tunnel's channel instead of a checked socket. */
  dial?: Dialer;
  /** Run before the user's SQL, inside its transaction (see `StreamRequest.prepare`). */
  prepare?: StreamRequest['prepare'];
  /** Warehouse sessions kept between runs (session-pool.ts); each run opens its own when absent. */
  sessions?: PostgresSessionPool;
  /** See ConnectContext.keepSessionAfter. */
  keepSessionAfter?: () => Promise<unknown>;
};
