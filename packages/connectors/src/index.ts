export { cloudSqlMysqlKind, MysqlSettings, mariadbKind, mysqlConnectors, mysqlKind } from './mysql';
export { toConnectorError } from './postgres/errors';
export { generateIdentityKey } from './postgres/identity/claims';
export {
  DEFAULT_IDENTITY_SCHEMA,
  IDENTITY_KEY_PSQL_VARIABLE,
  identityInstallSql,
  identityKeySql,
  identityKeySqlTemplate,
} from './postgres/identity/install-sql';
export { samplePolicySql } from './postgres/identity/sample-policy';
export {
  POSTGRES_SSL_MODES,
  PostgresSecrets,
  PostgresSettings,
  postgresConfigFrom,
  postgresKind,
} from './postgres/kind';
export { type OwnDatabase, ownDatabaseFrom } from './postgres/own-database';
export type { ResultLimits } from './postgres/result-guard';
export { auditReaderRole, type RoleWarning } from './postgres/role-audit';
export {
  createPostgresSessionPool,
  type PostgresSessionPool,
  type PostgresSessionPoolStats,
} from './postgres/session-pool';
export { connectPostgres, DEFAULT_RESULT_LIMITS, streamPostgres } from './postgres/stream';
export { columnFor } from './postgres/types-map';
export { type BoundConnector, bindConnector, connectorOf } from './registry/bound-connector';
export type {
  ConnectContext,
  Connector,
  Dialer,
  IntrospectProgress,
  QueryParam,
  SchemaColumn,
  SchemaFilter,
  SchemaFilterRule,
  SchemaObjectKind,
  SchemaTable,
  SessionQuery,
  StreamRequest,
  TestOutcome,
} from './registry/connector';
export type { ConnectorKind, FieldMeta } from './registry/connector-kind';
export { describeKind } from './registry/describe-kind';
export { toCell } from './registry/driver-cell';
export { HostName } from './registry/host-name';
export { CONNECTOR_KINDS, CONNECTORS, connectorFor, connectorKind } from './registry/kinds';
export { type ParsedConnection, parseConnection, type SettingsError } from './registry/parse-connection';
export { isEmptySchemaFilter, matchesSchemaFilter, type SchemaPath } from './registry/schema-filter';
export {
  checkTunnelTarget,
  fingerprintOf,
  type HostKeyPin,
  hostKeyNotPinned,
  openTunnel,
  type SshTunnelConfig,
  sshSecretsShape,
  sshSettingsShape,
  sshTunnelFieldIssue,
  sshTunnelFrom,
  TUNNEL_OPEN_TIMEOUT_MS,
  type Tunnel,
  TunnelDialError,
  type TunneledTestOutcome,
  tunnelErrorOf,
  withTunnel,
} from './ssh';
export { type ConnectorError, PostgresConfig, type StreamEvent, type StreamOptions } from './types';
