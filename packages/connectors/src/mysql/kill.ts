import type { ConnectContext } from '../registry/connector';
import { connectMysql } from './connect';
import type { MysqlConfig } from './kind';

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
