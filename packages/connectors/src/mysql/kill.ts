import type { ConnectContext } from '../registry/connector';
import { connectMysql } from './connect';
import type { MysqlConfig } from './kind';
import { tagPrefix } from './session-tag';

/** ER_NO_SUCH_THREAD: the session ended first, so there is nothing left to stop. */
const NO_SUCH_THREAD = 1094;

/**
 * Stops the statement a session runs, on the server: `KILL QUERY` over a second connection, opened
 * through the same checked path (CONN-2) as the first. Closing the first socket is not enough: a
 * server sleeping or sorting notices a gone client only when it next writes. A user may kill its
 * own sessions' queries without any privilege. `connection` ends the session too: the fallback
 * when a query outlived its kill (see stream.ts).
 */
export async function killQuery(
  config: MysqlConfig,
  context: ConnectContext,
  threadId: number,
  scope: 'query' | 'connection' = 'query',
): Promise<boolean> {
  if (!Number.isSafeInteger(threadId) || threadId <= 0) return false;
  // The run's signal has fired by now: the second connection must not inherit it.
  const { signal: _signal, ...rest } = context;
  const session = await connectMysql(config, rest);
  try {
    await session.query(`KILL ${scope === 'query' ? 'QUERY' : 'CONNECTION'} ${threadId}`);
    return true;
  } catch (error) {
    if ((error as { errno?: number }).errno === NO_SUCH_THREAD) return false;
    throw error;
  } finally {
    session.close();
  }
}

/** A MySQL session's cancel key: its thread id, and the tag its statement starts with (if any). */
export type MysqlSessionKey = { threadId: number; tag: string | null };

export const mysqlSessionKey = (threadId: number, tag: string | undefined): string =>
  JSON.stringify({ threadId, tag: tag ?? null } satisfies MysqlSessionKey);

/** Reads a key `mysqlSessionKey` wrote; null for anything else. */
export function parseMysqlSessionKey(key: string): MysqlSessionKey | null {
  try {
    const parsed: unknown = JSON.parse(key);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { threadId, tag } = parsed as Record<string, unknown>;
    if (typeof threadId !== 'number' || !Number.isSafeInteger(threadId) || threadId <= 0) return null;
    if (tag !== null && typeof tag !== 'string') return null;
    return { threadId, tag };
  } catch {
    return null;
  }
}

/**
 * `KILL QUERY` on the session a key names, from a second connection. Thread ids are reused once a
 * session ends, so when the key carries a tag the thread is killed only while its statement still
 * starts with that tag (and belongs to this account): a stale key kills nobody else's query.
 */
export async function killSession(
  config: MysqlConfig,
  context: ConnectContext,
  key: MysqlSessionKey,
): Promise<boolean> {
  const { signal: _signal, ...rest } = context;
  const session = await connectMysql(config, rest);
  try {
    if (key.tag !== null) {
      const prefix = tagPrefix(key.tag);
      const rows = await session.query(
        `SELECT ID AS id FROM information_schema.PROCESSLIST
         WHERE ID = ? AND USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1)
           AND LEFT(INFO, CHAR_LENGTH(?)) = ?`,
        [key.threadId, prefix, prefix],
      );
      if (rows.length === 0) return false;
    }
    await session.query(`KILL QUERY ${key.threadId}`);
    return true;
  } catch (error) {
    if ((error as { errno?: number }).errno === NO_SUCH_THREAD) return false;
    throw error;
  } finally {
    session.close();
  }
}
