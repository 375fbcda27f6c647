import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbClient } from './client';
import {
  pipelinedTransaction,
  postgresErrorOf,
  REFUSED_SQLSTATE,
  TransactionRolledBack,
} from './pipelined-transaction';
import { createTestDatabase, type TestDatabase } from './testing/index';

let database: TestDatabase;
/** One connection: what a transaction leaves on it is what the next caller gets. */
let pool: DbClient;
let observer: DbClient;
const LOCK_KEY = 9_112_026;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createDb(database.url, { max: 1 });
  observer = createDb(database.url, { max: 1 });
  await database.sql`create table pipelined (id int primary key)`;
});

afterAll(async () => {
  await pool.close();
  await observer.close();
  await database.drop();
});

const rows = async () =>
  (await database.sql<{ id: number }[]>`select id from pipelined order by id`).map((r) => r.id);

/** Whether some session holds the test's advisory lock, as another connection sees it. */
const lockHeld = async () => {
  const [row] = await observer.sql<{ held: boolean }[]>`
    select exists (select 1 from pg_locks where locktype = 'advisory' and objid = ${LOCK_KEY} and granted) as held`;
  return row?.held === true;
};

/** Keeps this process from reading any answer for `ms`, as a process busy with other requests does. */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Spinning: nothing else of this process runs meanwhile.
  }
};

/** Whether the pool's connection is outside any transaction: two lone statements, two transactions. */
const idleOutsideTransaction = async () => {
  const first = await pool.sql<{ id: string }[]>`select txid_current()::text as id`;
  const second = await pool.sql<{ id: string }[]>`select txid_current()::text as id`;
  return first[0]?.id !== second[0]?.id;
};

describe('pipelinedTransaction', () => {
  it('commits with the last statements, so their locks go while this process has not yet read an answer', async () => {
    await database.sql`delete from pipelined`;
    const ended = pipelinedTransaction(pool.sql, async (tx, commit) => {
      await tx.execute(sql`insert into pipelined values (1)`);
      const last = Promise.all([
        tx.execute(sql`select pg_advisory_xact_lock(${LOCK_KEY})`),
        tx.execute(sql`insert into pipelined values (2)`),
        commit(),
      ]);
      // Written at the next turn of the loop; then nothing of this process runs for a while.
      await new Promise((resolve) => setImmediate(resolve));
      busy(400);
      const heldMeanwhile = await lockHeld();
      await last;
      return heldMeanwhile;
    });
    expect(await ended).toBe(false);
    expect(await rows()).toEqual([1, 2]);
    expect(await idleOutsideTransaction()).toBe(true);
  });

  it("is what drizzle's own transaction is not: there the lock waits for this process's COMMIT", async () => {
    await database.sql`delete from pipelined`;
    const heldMeanwhile = await pool.db.transaction(async (tx) => {
      const last = Promise.all([
        tx.execute(sql`select pg_advisory_xact_lock(${LOCK_KEY})`),
        tx.execute(sql`insert into pipelined values (3)`),
      ]);
      await new Promise((resolve) => setImmediate(resolve));
      busy(400);
      // Held for as long as this process does not commit: however long the server takes to get
      // there on a loaded machine (the COMMIT goes only once this callback returns).
      let held = await lockHeld();
      for (let waited = 0; !held && waited < 10_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        held = await lockHeld();
      }
      const stillHeld = held && (await lockHeld());
      await last;
      return stillHeld;
    });
    expect(heldMeanwhile).toBe(true);
    expect(await rows()).toEqual([3]);
  });

  it('rolls everything back when a statement sent with the commit fails, and reports that statement', async () => {
    await database.sql`delete from pipelined`;
    const failed = await pipelinedTransaction(pool.sql, async (tx, commit) => {
      await tx.execute(sql`insert into pipelined values (4)`);
      await Promise.all([
        tx.execute(sql`insert into pipelined values (5)`),
        tx.execute(sql`select quarry_refuse('runs.too_many_active', 'user')`),
        tx.execute(sql`insert into pipelined values (6)`),
        commit(),
      ]);
    }).catch((error: unknown) => error);
    expect(postgresErrorOf(failed)).toEqual({
      code: REFUSED_SQLSTATE,
      message: 'runs.too_many_active',
      detail: 'user',
    });
    expect(await rows()).toEqual([]);
    expect(await idleOutsideTransaction()).toBe(true);
  });

  it('answers TransactionRolledBack from commit() when an earlier statement failed unawaited', async () => {
    const outcome = await pipelinedTransaction(pool.sql, async (tx, commit) => {
      const failing = tx.execute(sql`select 1 / 0`).catch(() => 'ignored');
      const committed = commit().then(
        () => 'committed',
        (error: unknown) => error,
      );
      return [await failing, await committed];
    });
    expect(outcome[0]).toBe('ignored');
    expect(outcome[1]).toBeInstanceOf(TransactionRolledBack);
    expect(await idleOutsideTransaction()).toBe(true);
  });

  it('rolls back a body that throws before committing, and commits one that returns without it', async () => {
    await database.sql`delete from pipelined`;
    const thrown = await pipelinedTransaction(pool.sql, async (tx) => {
      await tx.execute(sql`insert into pipelined values (7)`);
      throw new Error('refused after writing');
    }).catch((error: unknown) => (error as Error).message);
    expect(thrown).toBe('refused after writing');
    expect(await rows()).toEqual([]);
    await pipelinedTransaction(pool.sql, async (tx) => {
      await tx.execute(sql`insert into pipelined values (8)`);
    });
    expect(await rows()).toEqual([8]);
    expect(await idleOutsideTransaction()).toBe(true);
  });

  it('refuses a second commit()', async () => {
    const second = await pipelinedTransaction(pool.sql, async (_tx, commit) => {
      await commit();
      try {
        await commit();
        return 'committed twice';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(second).toBe('commit() was called twice');
  });
});

describe('postgresErrorOf', () => {
  it('finds the server error under drizzle, and nothing in an error of ours', async () => {
    const wrapped = await pool.db.execute(sql`select 1 / 0`).catch((error: unknown) => error);
    expect(postgresErrorOf(wrapped)?.code).toBe('22012');
    expect(postgresErrorOf(new Error('ours'))).toBeNull();
    expect(postgresErrorOf('text')).toBeNull();
  });
});
