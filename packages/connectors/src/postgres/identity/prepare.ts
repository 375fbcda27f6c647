import type { SessionQuery } from '../../registry/connector';
import type { ConnectorError } from '../../types';
import {
  buildClaims,
  CLAIMS_SETTING,
  type IdentityKey,
  type ReaderIdentity,
  SessionFacts,
  signClaims,
} from './claims';
import { DEFAULT_IDENTITY_SCHEMA, sqlName } from './install-sql';

/**
 * The session's own facts, read in the run's transaction. Every name is qualified: a role default
 * `search_path` set outside Quarry could otherwise answer other values, which would only make the
 * claims fail to verify, but a clear error beats a run that shows no rows.
 */
export const SESSION_FACTS_SQL = `select pg_catalog.pg_backend_pid() as pid,
  pg_catalog.to_char(pg_catalog.timezone('UTC', pg_catalog.transaction_timestamp()),
    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as xs`;

/** Transaction-local (`true`): gone at the end of the run's transaction, whatever else happens. */
export const SET_CLAIMS_SQL = `select pg_catalog.set_config('${CLAIMS_SETTING}', $1, true) as set`;

/** Thrown by the prepare step; `error` is what the run reports (see NEEDS.md for the mapping). */
export class IdentityError extends Error {
  readonly error: ConnectorError;
  constructor(error: ConnectorError, cause?: unknown) {
    super(error.message, cause === undefined ? undefined : { cause });
    this.name = 'IdentityError';
    this.error = error;
  }
}

export type IdentityPrepareInput = {
  key: IdentityKey;
  /** The schema the install SQL created (default `quarry_identity`). */
  schema?: string;
  reader: ReaderIdentity;
  runId: string;
  /** How long the claims verify, from the transaction's start: the run's timeout and a margin. */
  ttlMs: number;
};

/**
 * What the runner hands the stream as `StreamRequest.prepare` for a connection that passes the
 * reader's identity: inside the run's READ ONLY transaction, before the user's SQL, it reads the
 * session's facts, signs claims bound to them, sets them with a bound value, and asks the
 * warehouse's verifier once, so a missing install or a key the warehouse does not hold fails the
 * run with a clear error instead of quietly showing no rows.
 */
export function identityPrepare(input: IdentityPrepareInput): (query: SessionQuery) => Promise<void> {
  const schema = sqlName(input.schema ?? DEFAULT_IDENTITY_SCHEMA, 'identity schema');
  return async (query) => {
    const [facts] = await query(SESSION_FACTS_SQL, []);
    const session = SessionFacts.parse(facts);
    const claims = buildClaims({ reader: input.reader, runId: input.runId, session, ttlMs: input.ttlMs });
    await query(SET_CLAIMS_SQL, [signClaims(claims, input.key)]);
    let verifiedRun: unknown;
    try {
      const [row] = await query(
        `select pg_catalog.jsonb_extract_path_text(${schema}.current_reader(), 'run') as run`,
        [],
      );
      verifiedRun = row?.run;
    } catch (error) {
      throw new IdentityError(installError(error), error);
    }
    if (verifiedRun !== input.runId) throw new IdentityError(REJECTED);
  };
}

const REJECTED: ConnectorError = {
  code: 'connector.identity_rejected',
  message: "The warehouse did not accept the reader's identity from this connection",
  hint: "Its key differs from this connection's: an Admin runs the key SQL from the connection's settings at the warehouse",
  kind: 'system',
  transient: false,
};

function installError(error: unknown): ConnectorError {
  const code = (error as { code?: string } | null)?.code ?? '';
  if (code === '42501') {
    return {
      code: 'connector.identity_denied',
      message: "This connection's database role may not call the identity functions",
      hint: 'An Admin runs the install SQL again with this role among the reader roles',
      kind: 'system',
      transient: false,
    };
  }
  if (code === '3F000' || code === '42883') {
    return {
      code: 'connector.identity_not_installed',
      message: 'Identity passthrough is not installed in this database',
      hint: "An Admin runs the install SQL from the connection's settings at the warehouse",
      kind: 'system',
      transient: false,
    };
  }
  return {
    code: 'connector.identity_rejected',
    message: "The warehouse could not check the reader's identity",
    hint: 'Try again; if it keeps failing, ask whoever administers the warehouse',
    kind: 'system',
    transient: true,
    internal: String((error as { message?: unknown } | null)?.message ?? error).slice(0, 300),
  };
}
