import type { Connector } from '../registry/connector';
import { mysqlConnector } from './connector';
import { cloudSqlMysqlKind, mariadbKind, mysqlKind } from './kind';

export { mysqlConnector } from './connector';
export { toConnectorError as toMysqlError } from './errors';
export {
  cloudSqlMysqlKind,
  MYSQL_SSL_MODES,
  type MysqlConfig,
  MysqlSecrets,
  MysqlSettings,
  mariadbKind,
  mysqlConfigFrom,
  mysqlKind,
} from './kind';
export { streamMysql } from './stream';

/** MySQL, then its presets: MariaDB and Cloud SQL (MySQL), one connector each. */
export const mysqlConnectors: Connector[] = [mysqlKind, mariadbKind, cloudSqlMysqlKind].map(
  (kind) => mysqlConnector(kind) as Connector,
);
