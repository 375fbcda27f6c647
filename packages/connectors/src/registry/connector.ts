import type { Duplex } from 'node:stream';
import type { Result, RoleWarning } from '@quarry/contracts';
import type { AllowList } from '@quarry/net-policy';
import type { PassthroughEvent } from '../postgres/copy-stream';
import type { OwnDatabase } from '../postgres/own-database';
import type { ResultLimits } from '../postgres/result-guard';
import type { PostgresSessionPool } from '../postgres/session-pool';
import type { ConnectorError, StreamEvent } from '../types';
import type { ConnectorKind } from './connector-kind';

/**
 * Opens the byte stream a driver speaks over, to `host:port` as the connection's settings name
 * them: a TCP socket to the address checked by CONN-2, or a channel through the connection's SSH
 * tunnel. Drivers never open sockets of their own.
 */
export type Dialer = (target: { host: string; port: number }, signal: AbortSignal) => Promise<Duplex>;

export type QueryParam = string | number | boolean | null;

/** One statement with bound parameters on the run's session, answering its rows as objects. */
export type SessionQuery = (
  text: string,
  params: readonly QueryParam[],
) => Promise<Record<string, unknown>[]>;

/** What every connector call gets from the runner: the network policy, and how to reach the host. */
export type ConnectContext = {
  /** Private addresses the operator allowed (CONN-2); everything else internal is refused. */
  allow: AllowList;
  /** Quarry's own database, refused whatever the allow list says (CONN-2). */
  ownDatabase?: OwnDatabase;
  /** The path to the database when not a direct socket (an SSH tunnel); direct when absent. */
  dial?: Dialer;
  /** Server-side limit of one statement, and the bound of a test or an introspection step. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Byte limits on one value and on a whole result (the operator's; DEFAULT_RESULT_LIMITS when unset). */
  limits?: ResultLimits;
  /** The connection's workspace (what a test of identity passthrough signs for). */
  workspaceId?: string;
  /**
   * Warehouse sessions kept between runs (PostgreSQL's COPY path, session-pool.ts): the runner's,
   * for the life of its process. Every run opens and ends its own session when absent.
   */
  sessions?: PostgresSessionPool;
  /**
   * A kept session goes back to the pool only once this settles: every run that stored the
   * session's cancel key has let go of it (its end recorded, the key cleared), since a cancel by
   * that key would stop whatever the session runs next. It is ended instead if this rejects.
   */
  keepSessionAfter?: () => Promise<unknown>;
};

/**
 * Who a run reads as: what a connection that passes the reader's identity to the warehouse signs
 * (CONN-5), loaded by the runner from Quarry's own database when the run starts.
 */
export type Reader = {
  runId: string;
  userId: string;
  email: string;
  workspaceId: string;
  groups: { id: string; name: string }[];
};

/** A test's answer: the round trip, what the server says it is, and what its role should not do. */
export type TestOutcome = { latencyMs: number; serverVersion: string; warnings: RoleWarning[] };

/**
 * Schema filtering (the seed's "Schema filtering"): include/exclude rules by database, schema and
 * table name, each a pattern where `*` matches any run of characters (case-insensitive). An object
 * is kept when it matches some include rule (or there are none) and no exclude rule. An absent part
 * of a rule matches everything. Filtering hides objects from the browser and skips them in refresh;
 * it is not a permission.
 */
export type SchemaFilterRule = { database?: string; schema?: string; table?: string };
export type SchemaFilter = { include: SchemaFilterRule[]; exclude: SchemaFilterRule[] };

export type SchemaColumn = {
  name: string;
  /** The database's own type name, as its catalog spells it (`numeric(12,2)`, `bigint unsigned`). */
  dbType: string;
  nullable: boolean;
  comment: string | null;
  primaryKey: boolean;
  /** 1-based position in the table. */
  position: number;
};

export type SchemaObjectKind = 'table' | 'view' | 'materialized_view';

export type SchemaTable = {
  database: string;
  schema: string;
  name: string;
  kind: SchemaObjectKind;
  comment: string | null;
  columns: SchemaColumn[];
};

/** Progress of an introspection: tables read so far, out of `total` once the catalog said it. */
export type IntrospectProgress = { done: number; total: number | null };

export type StreamRequest = {
  sql: string;
  /** Bound as real parameters, never spliced into the text (CONN-4). */
  params: readonly QueryParam[];
  rowLimit: number;
  /** Rows per batch fetched from the server and handed on. */
  batchSize?: number;
  /**
   * Names the warehouse session (PostgreSQL `application_name`, MySQL connection attributes), so an
   * orphaned query can be found and cancelled by `cancel` after its runner died.
   */
  tag?: string;
  /**
   * Runs inside the run's transaction, on the run's own session, before the user's SQL: what sets
   * the reader's identity at the warehouse with bound values (CONN-5). It may read (the session's
   * own facts) before it sets anything.
   */
  prepare?: (query: SessionQuery) => Promise<void>;
  /** Who reads; a connection that passes the reader's identity refuses to run without it. */
  reader?: Reader;
  /**
   * Called once the warehouse session is open, before the statement is sent, with the session's
   * cancel key (opaque text): what `cancelSession` stops its query with from any process. The
   * statement waits for it, so a runner that keeps the key (sealed, with the run) has it stored
   * before the query can run (JOB-6). A throw fails the run.
   */
  onSession?: (key: string) => Promise<void>;
};

/**
 * One database kind: its declaration (settings, secrets, tier, features, TLS modes, dialect) and
 * what the runner does with it. Errors are values (`ConnectorError`), never thrown. The runner and
 * the API reach drivers only through a `Connector` from the registry.
 */
export type Connector<Config = unknown> = {
  declaration: ConnectorKind;
  /** The driver's settings from a parsed connection (settings and unsealed secrets). */
  configFrom(settings: Record<string, unknown>, secrets: Record<string, string>): Config;
  /** Connects, signs in, times a round trip and audits the role. */
  test(config: Config, context: ConnectContext): Promise<Result<TestOutcome, ConnectorError>>;
  /** Reads databases, schemas, tables, views and columns, skipping what the filter leaves out. */
  introspect(
    config: Config,
    filter: SchemaFilter,
    context: ConnectContext & { onProgress?: (progress: IntrospectProgress) => void },
  ): Promise<Result<SchemaTable[], ConnectorError>>;
  /**
   * Runs one statement and yields its columns, then batches of rows as they arrive, then the end
   * (or an error). `context.signal` cancels the query on the server, not only the reading.
   */
  stream(config: Config, request: StreamRequest, context: ConnectContext): AsyncGenerator<StreamEvent>;
  /**
   * Like `stream`, for a caller that needs no row as cells (the runner writing a SQL cell's result
   * for its readers): where the connector can, batches of rows come as the server's own text
   * (`copy` events, PostgreSQL's COPY text), with no object built per row; anywhere else as cells,
   * as `stream` gives them. Absent where a connector has no such path (MySQL); the caller then uses
   * `stream`.
   */
  streamText?(
    config: Config,
    request: StreamRequest,
    context: ConnectContext,
  ): AsyncGenerator<PassthroughEvent>;
  /**
   * Cancels, on the server, every query of sessions named `tag` (see `StreamRequest.tag`): what a
   * runner does for a run whose first runner died. Answers how many it cancelled.
   */
  cancel(config: Config, tag: string, context: ConnectContext): Promise<Result<number, ConnectorError>>;
  /**
   * Cancels, on the server, the statement of the session `StreamRequest.onSession` was given `key` for
   * (PostgreSQL: the protocol's cancel request with the backend's pid and secret; MySQL: `KILL QUERY`
   * on the thread from a second connection). Needs no view of other sessions, so it works for a role
   * that cannot read pg_stat_activity. Answers whether a cancel was delivered; a key it cannot read
   * is a typed error.
   */
  cancelSession(
    config: Config,
    key: string,
    context: ConnectContext,
  ): Promise<Result<boolean, ConnectorError>>;
};
