import { MySQL, PostgreSQL, type SQLDialect, StandardSQL } from '@codemirror/lang-sql';
import type { ConnectorKindInfo } from '@quarry/contracts';

/** The editor's dialect for each SQL dialect a connector declares (`ConnectorKindInfo.dialect`). */
const DIALECTS: Record<ConnectorKindInfo['dialect'], SQLDialect> = {
  postgresql: PostgreSQL,
  mysql: MySQL,
};

/**
 * The dialect of a cell's connection, from its kind's declaration (presets of a protocol share
 * their dialect); standard SQL when the cell has none or the kind is not known yet.
 */
export function sqlDialectFor(dialect: ConnectorKindInfo['dialect'] | null | undefined): SQLDialect {
  return (dialect ? DIALECTS[dialect] : undefined) ?? StandardSQL;
}
