/**
 * What a test database holds that the tests never saw in a response: audit rows to observe, and
 * records the product sealed (in another vault, another process) to register. Whoever knows a part
 * of the schema registers a sweeper; the test database runs them all just before it is dropped.
 */
export type Sweeper = (database: unknown) => Promise<void>;

const SWEEPERS = Symbol.for('quarry.leak-scan.sweepers');
type Holder = { [SWEEPERS]?: Map<string, Sweeper> };

const sweepers = (): Map<string, Sweeper> => {
  const holder = globalThis as Holder;
  holder[SWEEPERS] ??= new Map();
  return holder[SWEEPERS];
};

/** Adds (or replaces, by name) a sweeper; the database it gets is whatever the test database passes. */
export function registerSweeper(name: string, sweeper: Sweeper): void {
  sweepers().set(name, sweeper);
}

/** Runs every sweeper on a test database about to be dropped. */
export async function sweepTestDatabase(database: unknown): Promise<void> {
  for (const sweeper of sweepers().values()) await sweeper(database);
}
