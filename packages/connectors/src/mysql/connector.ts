import { err, ok } from '@quarry/contracts';
import type { ConnectContext, Connector, TestOutcome } from '../registry/connector';
import type { ConnectorKind } from '../registry/connector-kind';
import type { ConnectorError } from '../types';
import { connectMysql, type MysqlSession } from './connect';
import { toConnectorError } from './errors';
import { introspectMysql } from './introspect';
import { killSession, parseMysqlSessionKey } from './kill';
import { type MysqlConfig, mysqlConfigFrom } from './kind';
import { auditGrants } from './role-audit';
import { isMariadb, timeoutSetting } from './server-limits';
import { tagPrefix } from './session-tag';
import { streamMysql } from './stream';

/** The whole test, handshake and grant audit included, just past the 10 s connect timeout. */
const TEST_DEADLINE_MS = 11_000;

/** Connects as the connection's account, times a round trip, reads the version, audits the grants. */
async function testMysql(config: MysqlConfig, context: ConnectContext) {
  let session: MysqlSession | null = null;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), TEST_DEADLINE_MS);
  });
  const work = async (): Promise<TestOutcome> => {
    const started = performance.now();
    session = await connectMysql(config, context);
    const { version } = await isMariadb(session);
    const latencyMs = Math.round(performance.now() - started);
    const [who] = await session.query('SELECT CURRENT_USER() AS account');
    const grants = await session.query('SHOW GRANTS');
    const lines = grants.map((row) => String(Object.values(row)[0] ?? ''));
    return { latencyMs, serverVersion: version, warnings: auditGrants(lines, String(who?.account ?? '')) };
  };
  try {
    const outcome = await Promise.race([work(), deadline]);
    if (outcome === 'deadline') {
      return err<ConnectorError>({
        code: 'connector.failed',
        message: `The server did not complete a MySQL sign-in within ${TEST_DEADLINE_MS / 1000} s`,
        hint: 'Check the host and port (is a MySQL server listening there?), then test again',
        kind: 'system',
        transient: true,
      });
    }
    return ok(outcome);
  } catch (error) {
    return err(toConnectorError(error, { timeoutMs: context.timeoutMs, cancelled: false }));
  } finally {
    clearTimeout(timer);
    (session as MysqlSession | null)?.close();
  }
}

/**
 * Kills the queries of this account's sessions whose statement carries `tag` (see session-tag.ts).
 * An account sees and may kill its own sessions without any privilege; other accounts' sessions
 * are left alone even when the account could see them.
 */
async function cancelMysql(config: MysqlConfig, tag: string, context: ConnectContext) {
  let session: MysqlSession | null = null;
  try {
    session = await connectMysql(config, context);
    const { mariadb } = await isMariadb(session);
    await session.query(`SET ${timeoutSetting(mariadb, context.timeoutMs)}`);
    const prefix = tagPrefix(tag);
    const rows = await session.query(
      `SELECT ID AS id FROM information_schema.PROCESSLIST
       WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AND ID <> CONNECTION_ID()
         AND LEFT(INFO, CHAR_LENGTH(?)) = ?`,
      [prefix, prefix],
    );
    let cancelled = 0;
    for (const row of rows) {
      const id = Number(row.id);
      if (!Number.isSafeInteger(id)) continue;
      try {
        await session.query(`KILL QUERY ${id}`);
        cancelled += 1;
      } catch {
        // The session ended between the list and the kill: nothing left to cancel.
      }
    }
    return ok(cancelled);
  } catch (error) {
    return err(toConnectorError(error, { timeoutMs: context.timeoutMs, cancelled: false }));
  } finally {
    session?.close();
  }
}

/** Kills the statement of the session a run's `session` event named (its thread, still tagged). */
async function cancelMysqlSession(config: MysqlConfig, key: string, context: ConnectContext) {
  const parsed = parseMysqlSessionKey(key);
  if (!parsed) {
    return err<ConnectorError>({
      code: 'connector.failed',
      message: 'The stored session key is not a MySQL thread key',
      kind: 'system',
      transient: false,
    });
  }
  try {
    return ok(await killSession(config, context, parsed));
  } catch (error) {
    return err(toConnectorError(error, { timeoutMs: context.timeoutMs, cancelled: false }));
  }
}

/** A MySQL connector under a kind's declaration (MySQL itself, or a preset of its protocol). */
export function mysqlConnector(declaration: ConnectorKind): Connector<MysqlConfig> {
  return {
    declaration,
    configFrom: mysqlConfigFrom,
    test: testMysql,
    introspect: introspectMysql,
    stream: streamMysql,
    cancel: cancelMysql,
    cancelSession: cancelMysqlSession,
  };
}
