import { PostgresConfig } from '@quarry/connectors';
import { err, ok, type Result } from '@quarry/contracts';
import { connectionCredentialsContext, type connections } from '@quarry/db/schema';
import type { Vault } from '@quarry/vault';

type ConnectionRow = typeof connections.$inferSelect;

/**
 * The driver settings of a connection, its password unsealed by the vault under the connection's
 * own context (workspace, record, purpose). The only place the runner opens credentials; a failure
 * carries the vault's code for the log, never anything of the record.
 */
export function connectionConfig(
  vault: Vault,
  connection: ConnectionRow,
): Result<PostgresConfig, { code: string }> {
  const secret = vault.openText(
    connection.credentials,
    connectionCredentialsContext(connection.workspaceId, connection.id),
  );
  if (!secret.ok) return err({ code: secret.error.code });
  return ok(
    PostgresConfig.parse({
      host: connection.host,
      port: connection.port,
      database: connection.database,
      username: connection.username,
      password: (JSON.parse(secret.value) as { password: string }).password,
      sslMode: connection.sslMode,
    }),
  );
}
