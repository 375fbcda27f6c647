import { createDb, type DbClient, newId } from '@quarry/db';
import { runs } from '@quarry/db/schema';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { EMPTY_ALLOW_LIST } from '@quarry/net-policy';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import { inArray, sql as raw } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll } from 'vitest';
import { type Admission, type RunnerDeps, takeAdmitted, takeLocks } from '../execute-run';
import { testRunnerDeps } from '../testing/runner-fixture';

/**
 * A migrated database and several pools over it, each standing for one runner process (its own
 * connections, as the worker opens them: generic plans). The take needs no warehouse: runs name
 * workspaces, owners and connections by id alone, and nothing the take reads refers to their rows.
 */
export type TakeKit = {
  database: TestDatabase;
  pools: DbClient[];
  deps: RunnerDeps[];
  drop(): Promise<void>;
};

export async function startTakeKit(options: { pools?: number; max?: number } = {}): Promise<TakeKit> {
  const database = await createTestDatabase();
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  const vault = loaded.value;
  const pools = Array.from({ length: options.pools ?? 4 }, (_, i) =>
    createDb(database.url, {
      max: options.max ?? 8,
      applicationName: `attack16-runner-${i}`,
      genericPlans: true,
    }),
  );
  const deps = pools.map((pool) => testRunnerDeps(pool, vault, EMPTY_ALLOW_LIST));
  return {
    database,
    pools,
    deps,
    async drop() {
      await Promise.all(pools.map((p) => p.close()));
      await database.drop();
    },
  };
}

/** One test file's kit, started before its tests and dropped after them (see startTakeKit). */
export function takeKitPerFile(options: { pools?: number; max?: number } = {}): TakeKit {
  const kit = {} as TakeKit;
  beforeAll(async () => {
    Object.assign(kit, await startTakeKit(options));
  }, 60_000);
  afterAll(async () => {
    await kit.drop?.();
  });
  return kit;
}

export type QueuedRun = {
  runId: string;
  workspaceId: string;
  ownerId: string;
  connectionId: string | null;
  connectionIds: string[];
};

/** Inserts a queued run (SQL: `connectionId`; JS: `connectionIds`, connectionId null). */
export async function queue(
  kit: TakeKit,
  run: Omit<QueuedRun, 'runId'> & { runId?: string },
): Promise<QueuedRun> {
  const runId = run.runId ?? newId('run');
  await kit.database.db.insert(runs).values({
    id: runId,
    workspaceId: run.workspaceId,
    projectId: 'project_attack16',
    cellId: 'cell_attack16',
    ownerId: run.ownerId,
    connectionId: run.connectionId,
    connectionIds: run.connectionIds,
    source: 'select 1',
    rowLimit: 10,
  });
  return { ...run, runId };
}

/** Many at once, in one statement. */
export async function queueMany(kit: TakeKit, list: Omit<QueuedRun, 'runId'>[]): Promise<QueuedRun[]> {
  const withIds = list.map((r) => ({ ...r, runId: newId('run') }));
  for (let i = 0; i < withIds.length; i += 500) {
    await kit.database.db.insert(runs).values(
      withIds.slice(i, i + 500).map((r) => ({
        id: r.runId,
        workspaceId: r.workspaceId,
        projectId: 'project_attack16',
        cellId: 'cell_attack16',
        ownerId: r.ownerId,
        connectionId: r.connectionId,
        connectionIds: r.connectionIds,
        source: 'select 1',
        rowLimit: 10,
      })),
    );
  }
  return withIds;
}

/** The take as the worker makes it, on runner `pool`: the number of rows taken (0 or 1). */
export async function take(
  kit: TakeKit,
  pool: number,
  run: QueuedRun,
  admission: Admission,
): Promise<number> {
  const deps = kit.deps[pool % kit.deps.length];
  if (!deps) throw new Error('no pool');
  const taken = await takeAdmitted(deps, { runId: run.runId, workspaceId: run.workspaceId }, admission);
  return taken.length;
}

/** Ends a running run as the runner's finish does, stamped by the database clock (ms, like the take). */
export async function finish(kit: TakeKit, pool: number, run: QueuedRun): Promise<void> {
  const sql = kit.pools[pool % kit.pools.length]?.sql;
  if (!sql) throw new Error('no pool');
  await sql`update runs set status = 'succeeded', finished_at = date_trunc('milliseconds', clock_timestamp())
    where id = ${run.runId} and status = 'running'`;
}

/** The SQL text and parameters of takeLocks for a run, to run by hand in a transaction left open. */
export function takeLocksQuery(run: QueuedRun): { sql: string; params: string[] } {
  const q = new PgDialect().sqlToQuery(takeLocks({ runId: run.runId, workspaceId: run.workspaceId }));
  return { sql: q.sql, params: q.params as string[] };
}

export type Span = {
  id: string;
  workspaceId: string;
  ownerId: string;
  connections: string[];
  start: number;
  end: number;
};

/** Every run of `ids` that was ever taken, with its span as the database stamped it. */
export async function spansOf(kit: TakeKit, ids: string[]): Promise<Span[]> {
  const rows = await kit.database.db.select().from(runs).where(inArray(runs.id, ids));
  return rows
    .filter((r) => r.startedAt)
    .map((r) => ({
      id: r.id,
      workspaceId: r.workspaceId,
      ownerId: r.ownerId,
      connections: [...new Set([...r.connectionIds, ...(r.connectionId ? [r.connectionId] : [])])],
      start: r.startedAt?.getTime() ?? 0,
      end: r.finishedAt?.getTime() ?? Number.POSITIVE_INFINITY,
    }));
}

/**
 * The most spans of `spans` that hold at one instant (each at a start: [start, end)). Sound for a
 * take serialized with every other take it counts: a span counted here as overlapping another's
 * start was running (taken and committed, not yet ended) in the snapshot that start's take counted.
 */
export function peakOf(spans: Span[]): { peak: number; at: Span[] } {
  let best: { peak: number; at: Span[] } = { peak: 0, at: [] };
  for (const s of spans) {
    const at = spans.filter((o) => o.start <= s.start && o.end > s.start);
    if (at.length > best.peak) best = { peak: at.length, at };
  }
  return best;
}

/** Peaks per (workspace, owner) and per (workspace, connection). */
export function peaks(spans: Span[]): { owners: Map<string, number>; connections: Map<string, number> } {
  const owners = new Map<string, Span[]>();
  const connections = new Map<string, Span[]>();
  for (const s of spans) {
    const o = `${s.workspaceId}/${s.ownerId}`;
    owners.set(o, [...(owners.get(o) ?? []), s]);
    for (const c of s.connections) {
      const k = `${s.workspaceId}/${c}`;
      connections.set(k, [...(connections.get(k) ?? []), s]);
    }
  }
  const reduce = (m: Map<string, Span[]>) => new Map([...m].map(([k, v]) => [k, peakOf(v).peak] as const));
  return { owners: reduce(owners), connections: reduce(connections) };
}

/** The largest value of a map, with its key. */
export function maxOf(m: Map<string, number>): [string, number] {
  let best: [string, number] = ['', 0];
  for (const [k, v] of m) if (v > best[1]) best = [k, v];
  return best;
}

/** What is running right now, by (workspace, owner) and (workspace, connection). */
export async function runningNow(kit: TakeKit) {
  const [row] = await kit.database.db.execute<{ owners: number; connections: number }>(raw`
    select
      coalesce((select max(n) from (select count(*) n from runs where status = 'running'
        group by workspace_id, owner_id) o), 0)::int as owners,
      coalesce((select max(n) from (select count(distinct r.id) n
        from runs r, unnest(array_append(r.connection_ids, r.connection_id)) c (id)
        where r.status = 'running' and c.id is not null group by r.workspace_id, c.id) c), 0)::int as connections`);
  return row ?? { owners: 0, connections: 0 };
}

/** Sessions of the test database waiting on an advisory lock. */
export async function waitingOnAdvisory(kit: TakeKit): Promise<number> {
  const [row] = await kit.database.sql<{ n: number }[]>`
    select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
    where d.datname = current_database() and l.locktype = 'advisory' and not l.granted`;
  return row?.n ?? 0;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small deterministic PRNG, so that a failing interleaving's inputs can be replayed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}
