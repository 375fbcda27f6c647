export { toConnectorError } from './postgres/errors';
export type { ResultLimits } from './postgres/result-guard';
export { auditReaderRole, type RoleWarning } from './postgres/role-audit';
export { connectPostgres, DEFAULT_RESULT_LIMITS, streamPostgres } from './postgres/stream';
export { columnFor, toCell } from './postgres/types-map';
export { type ConnectorError, PostgresConfig, type StreamEvent, type StreamOptions } from './types';
