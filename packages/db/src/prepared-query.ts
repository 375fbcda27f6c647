import type { Db } from './client';

/**
 * A query built once per database and run with placeholder values (`sql.placeholder`) ever after.
 * drizzle builds a query's SQL text afresh at every execution (its columns, its conditions, each
 * name escaped), which on the API's hottest reads (a token's, a run's) cost more of the API's CPU
 * than the driver did; a prepared query keeps the text and its parameters' places. For statements
 * on the pool only: a transaction's statements run on its own connection. A placeholder's value goes
 * to the driver as it is, not through its column's mapping: a timestamp's as an ISO string.
 */
export function preparedQuery<Q>(
  name: string,
  build: (db: Db) => { prepare(name: string): Q },
): (db: Db) => Q {
  const built = new WeakMap<Db, Q>();
  return (db) => {
    const known = built.get(db);
    if (known) return known;
    const query = build(db).prepare(name);
    built.set(db, query);
    return query;
  };
}
