import { createHash } from 'node:crypto';

type Rows = { rows: unknown[] };
type ExecuteSql = (text: string, values?: unknown[], options?: object) => Promise<Rows>;

/** pg-boss's own database adapter, as far as this reaches into it. */
type BossDb = {
  executeSql: ExecuteSql;
  opened?: boolean;
  pool?: { query(config: { name: string; text: string; values: unknown[] }): Promise<Rows> };
};

/**
 * Has pg-boss send its statements that take parameters as named prepared statements on its own
 * pool (node-postgres), each named by a digest of its text. pg-boss sends them unnamed, and the
 * server parses and plans an unnamed statement afresh every time. On the concurrent-runs bench
 * (100 runs) that was 225 ms of the server's time for parsing and planning pg-boss's statements,
 * two fetches (the one with group concurrency is a long statement) and a completion a run; named,
 * 17 ms, with the same execution time. Rows come back through the same driver, parsed as pg-boss
 * expects. Statements without parameters (pg-boss's multi-statement scripts among them) and those
 * pg-boss runs with its own options (a cancellable statement of its background migrations) go its
 * own way, unchanged.
 */
export function nameStatements(db: unknown): void {
  const adapter = db as Partial<BossDb>;
  if (typeof adapter.executeSql !== 'function' || typeof adapter.pool?.query !== 'function') {
    throw new Error(
      "pg-boss's database adapter is not the one this queue was written for (no executeSql or pool)",
    );
  }
  const own = adapter.executeSql.bind(adapter);
  const names = new Map<string, string>();
  adapter.executeSql = (text, values, options) => {
    const pool = adapter.pool;
    if (options || !values?.length || !adapter.opened || !pool) return own(text, values, options);
    let name = names.get(text);
    if (!name) {
      name = `pgboss_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
      if (names.size < MAX_NAMES) names.set(text, name);
    }
    return pool.query({ name, text, values });
  };
}

/** Statement texts remembered with their names (pg-boss has a few dozen; more only if it builds them). */
const MAX_NAMES = 512;
