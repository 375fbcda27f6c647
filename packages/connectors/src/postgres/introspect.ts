import { err, type Result } from '@quarry/contracts';
import type { ConnectContext, IntrospectProgress, SchemaFilter, SchemaTable } from '../registry/connector';
import type { ConnectorError, PostgresConfig } from '../types';

/**
 * Reads the connection's databases, schemas, tables, views and columns. Placeholder until the
 * schema-browsing work lands in this file (same name and signature).
 */
export async function introspectPostgres(
  _config: PostgresConfig,
  _filter: SchemaFilter,
  _context: ConnectContext & { onProgress?: (progress: IntrospectProgress) => void },
): Promise<Result<SchemaTable[], ConnectorError>> {
  return err({
    code: 'connector.introspect_unavailable',
    message: 'Schema browsing is not available for this connection yet',
    kind: 'system',
    transient: false,
  });
}
