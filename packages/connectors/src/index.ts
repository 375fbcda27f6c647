export { toConnectorError } from './postgres/errors';
export { connectPostgres, streamPostgres } from './postgres/stream';
export { columnFor, toCell } from './postgres/types-map';
export { type ConnectorError, PostgresConfig, type StreamEvent, type StreamOptions } from './types';
