import {
  type BoundConnector,
  connectorOf,
  parseConnection,
  sshTunnelFrom,
  withTunnel,
} from '@quarry/connectors';
import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { writeAuditEvent } from '@quarry/db/audit';
import { connectionCredentialsContext, type connections } from '@quarry/db/schema';
import type { Vault, VaultContext } from '@quarry/vault';
import type { ConnectorCache } from './connector-cache';

type ConnectionRow = typeof connections.$inferSelect;

/** Why a connection cannot be opened: the vault refused its record, or it is not complete. */
export type ConfigError = QuarryError & { kind: 'user' | 'system'; vaultCode?: string };

const unwrapFailed = (vaultCode: string): ConfigError => ({
  code: 'vault.unwrap_failed',
  message: 'The connection credentials could not be decrypted',
  hint: 'An Admin should re-enter the connection credentials in Settings → Data sources',
  kind: 'system',
  vaultCode,
});

/**
 * A connection's connector, with the driver settings from its kind's settings and its secrets bound
 * in, unsealed by the vault under the record's own context (workspace, record, purpose). The only
 * place the runner opens credentials; a failure carries the vault's code for the log, never
 * anything of the record.
 *
 * A connection with an SSH host reaches its database through a tunnel opened for each call, whose
 * host key must be the one pinned (`sshHostKey`). A test (`purpose: 'test'`) accepts a server not
 * pinned yet and reports its key, which the test pins when it passes; anything else refuses it.
 */
export function driverConfig(
  vault: Vault,
  record: {
    kind: string;
    settings: Record<string, unknown>;
    credentials: Buffer | null;
    context: VaultContext;
    /** The connection's pinned SSH host key; null or absent when none is (and for probes). */
    sshHostKey?: string | null;
    purpose?: 'test' | 'use';
  },
): Result<BoundConnector, ConfigError> {
  let secrets: Record<string, string> = {};
  if (record.credentials) {
    const opened = vault.openText(record.credentials, record.context);
    if (!opened.ok) return err(unwrapFailed(opened.error.code));
    secrets = JSON.parse(opened.value) as Record<string, string>;
  }
  const parsed = parseConnection({ kind: record.kind, settings: record.settings, secrets });
  if (!parsed.ok) {
    return err({
      code: 'connections.incomplete',
      message: 'The connection settings are incomplete or no longer valid',
      hint: 'Open the connection in Settings → Data sources, correct it and save it',
      kind: 'user',
    });
  }
  const tunnel = sshTunnelFrom(parsed.value.settings, parsed.value.secrets);
  if (!tunnel.ok) {
    const { transient: _transient, internal: _internal, ...error } = tunnel.error;
    return err(error);
  }
  const connector = connectorOf(parsed.value);
  if (!tunnel.value) return ok(connector);
  return ok(
    withTunnel(connector, tunnel.value, {
      pinned: record.sshHostKey ?? null,
      purpose: record.purpose ?? 'use',
    }),
  );
}

/**
 * A saved connection's connector, its settings bound in. Every unwrap of its credentials is audited: which
 * connection, for whom, and why (a run, with its id, or a test). A run is given the connector kept
 * from an earlier run's unwrap of exactly this record when `deps.connectors` has one (nothing is
 * unwrapped then, so nothing is audited); a test always unwraps.
 */
export async function connectionConfig(
  deps: { db: Db; vault: Vault; now: () => Date; connectors?: ConnectorCache },
  connection: ConnectionRow,
  purpose: { userId: string; runId?: string; test?: true },
): Promise<Result<BoundConnector, ConfigError>> {
  if (connection.status === 'draft') {
    return err({
      code: 'connections.draft',
      message: `The connection '${connection.name}' is a draft`,
      hint: 'An Admin completes and saves it in Settings → Data sources',
      kind: 'user',
    });
  }
  const keep = purpose.test ? undefined : deps.connectors;
  const kept = keep?.get(connection);
  if (kept) return ok(kept);
  const config = driverConfig(deps.vault, {
    kind: connection.kind,
    settings: connection.settings,
    credentials: connection.credentials,
    context: connectionCredentialsContext(connection.workspaceId, connection.id),
    sshHostKey: connection.sshHostKey,
    purpose: purpose.test ? 'test' : 'use',
  });
  if (connection.credentials) {
    // One statement, its own transaction.
    await writeAuditEvent(
      deps.db,
      {
        workspaceId: connection.workspaceId,
        actorId: purpose.userId,
        action: 'connection.credentials_unwrap',
        target: { type: 'connection', id: connection.id },
        outcome: config.ok || config.error.code !== 'vault.unwrap_failed' ? 'success' : 'failure',
        details: purpose.runId ? { runId: purpose.runId } : { purpose: 'test' },
      },
      deps.now(),
    );
  }
  if (config.ok) keep?.set(connection, config.value);
  return config;
}
