export { toConnectorError } from './postgres/errors';
export type { ResultLimits } from './postgres/result-guard';
export { connectPostgres, DEFAULT_RESULT_LIMITS, streamPostgres } from './postgres/stream';
export { columnFor, toCell } from './postgres/types-map';
export { type ConnectorError, PostgresConfig, type StreamEvent, type StreamOptions } from './types';
