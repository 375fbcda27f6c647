import type { MysqlSession } from './connect';

/** Whether the server is MariaDB (its statement timeout and its catalogs differ from MySQL's). */
export async function isMariadb(session: MysqlSession): Promise<{ mariadb: boolean; version: string }> {
  const [row] = await session.query('SELECT VERSION() AS version');
  const version = String(row?.version ?? 'unknown');
  return { mariadb: /mariadb/i.test(version), version };
}

/** The server-side limit of each statement: MariaDB's `max_statement_time` in seconds, MySQL's `max_execution_time` in ms. */
export function timeoutSetting(mariadb: boolean, timeoutMs: number): string {
  const ms = Math.max(1, Math.floor(timeoutMs));
  return mariadb
    ? `SESSION max_statement_time = ${(ms / 1000).toFixed(3)}`
    : `SESSION max_execution_time = ${ms}`;
}
