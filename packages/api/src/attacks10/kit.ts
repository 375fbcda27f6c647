import { newId } from '@quarry/db';
import { verifyAuditChain } from '@quarry/db/audit';
import { cells, runs } from '@quarry/db/schema';
import { createWorkspaceFixture, type WorkspaceFixture } from '@quarry/db/testing';
import { inArray } from 'drizzle-orm';
import { expect } from 'vitest';
import { uniqueName } from '../testing/fixtures';
import type { ApiHarness } from '../testing/harness';
import { type BatchAnswer, sendBatch } from '../testing/http-batch';

/** Words of the server's side of a refusal that must never reach a caller. */
export const INTERNAL_WORDS = [
  'quarry_refuse',
  'QR001',
  'sqlstate',
  'pg_advisory',
  'advisory',
  'runs.active:',
  'select case',
  'count(*)',
  'insert into',
  'audit_chain_heads',
  'pgboss',
  'transaction',
  'rollback',
  'postgres',
  'stack',
];

/** `text` names nothing of the server's statements, functions or error codes. */
export function expectNoInternals(text: string) {
  const lower = text.toLowerCase();
  for (const word of INTERNAL_WORDS) expect(lower, `leaked "${word}"`).not.toContain(word.toLowerCase());
}

/** A workspace of its own (its own caps count, its own audit chain). */
export const freshWorkspace = (h: ApiHarness) =>
  createWorkspaceFixture(h.database.db, {
    vault: h.vault,
    warehouse: h.warehouse.reader,
    name: uniqueName('attacks10'),
  });

/** `count` cells of `kind` in `projectId`, written straight to the database, each with `source`. */
export async function cellsIn(
  h: ApiHarness,
  ws: WorkspaceFixture,
  count: number,
  over: { kind?: 'sql' | 'js'; source?: string; projectId?: string } = {},
): Promise<string[]> {
  const kind = over.kind ?? 'sql';
  const rows = Array.from({ length: count }, (_, i) => {
    const id = newId('cell');
    return {
      id,
      workspaceId: ws.workspaceId,
      projectId: over.projectId ?? ws.projectId,
      position: 100 + i,
      name: `c_${id.slice('cel_'.length)}`,
      kind,
      connectionId: kind === 'sql' ? ws.connectionId : null,
      source: over.source ?? (kind === 'sql' ? 'select 1' : 'return 1'),
    };
  });
  await h.database.db.insert(cells).values(rows);
  return rows.map((r) => r.id);
}

/** Everything a start stores, for one workspace: run rows, queued jobs, audit entries, the chain. */
export async function storedBy(h: ApiHarness, workspaceId: string) {
  const runRows = await h.deps.sql<{ id: string; cell_id: string; owner_id: string; status: string }[]>`
    select id, cell_id, owner_id, status from runs where workspace_id = ${workspaceId}`;
  const jobs = await h.deps.sql<{ run_id: string }[]>`
    select data->>'runId' as run_id from pgboss.job
    where name = 'run.execute' and data->>'workspaceId' = ${workspaceId}`;
  const starts = await h.deps.sql<{ target_id: string; cell_id: string }[]>`
    select target_id, details->>'cellId' as cell_id from audit_events
    where chain = ${workspaceId} and action = 'run.start'`;
  const chain = await verifyAuditChain(h.database.db, workspaceId);
  const [head] = await h.deps.sql<{ seq: number; hash: string }[]>`
    select seq, hash from audit_chain_heads where chain = ${workspaceId}`;
  return {
    runs: runRows,
    active: runRows.filter((r) => r.status === 'queued' || r.status === 'running'),
    jobRunIds: jobs.map((j) => j.run_id).sort(),
    startEntries: starts,
    chain,
    head: head ?? null,
  };
}

/** The saved source of each cell. */
export async function sourcesOf(h: ApiHarness, cellIds: readonly string[]) {
  const rows = await h.database.db
    .select({ id: cells.id, source: cells.source })
    .from(cells)
    .where(inArray(cells.id, [...cellIds]));
  return new Map(rows.map((r) => [r.id, r.source]));
}

export const runById = async (h: ApiHarness, id: string) =>
  (
    await h.database.db
      .select()
      .from(runs)
      .where(inArray(runs.id, [id]))
  )[0];

/**
 * Sessions of this test database left inside a transaction (open or aborted), other than this
 * check's own: after the starts settled, none may be. Polled a little, since a pool connection
 * hands its ROLLBACK's answer back a moment after the caller's promise settled.
 */
export async function openTransactions(h: ApiHarness, polls = 40) {
  let rows: { application_name: string; state: string; query: string }[] = [];
  for (let i = 0; i < polls; i += 1) {
    rows = await h.deps.sql<{ application_name: string; state: string; query: string }[]>`
      select application_name, state, query from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()
        and (state like 'idle in transaction%' or (xact_start is not null and state <> 'active'))`;
    if (rows.length === 0) return rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return rows;
}

/** The pool's connections are each outside any transaction: two statements, two transaction ids. */
export async function poolIsClean(h: ApiHarness) {
  const probes = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const reserved = await h.deps.sql.reserve();
      try {
        const [first] = await reserved<{ id: string }[]>`select txid_current()::text as id`;
        const [second] = await reserved<{ id: string }[]>`select txid_current()::text as id`;
        return first?.id !== second?.id;
      } finally {
        reserved.release();
      }
    }),
  );
  return probes.every(Boolean);
}

export type Answer = BatchAnswer;

/** One HTTP request to /trpc as `userId` in `workspaceId`: a POST `?batch=1` with every call in `calls`. */
export const postBatch = (
  h: ApiHarness,
  userId: string,
  workspaceId: string,
  calls: { path: string; input: unknown }[],
) => sendBatch(h, { userId, workspaceId, method: 'POST', calls });

/** The refusal every start over the per-user cap answers, exactly. */
export const userCapRefusal = (cap: number) => ({
  code: 'runs.too_many_active',
  message: `You have ${cap} runs queued or running, the most allowed at once`,
  hint: 'Wait for a run to finish or stop one, then run this again',
  details: { scope: 'user', cap },
});

/** The refusal every start over the workspace's cap answers, exactly. */
export const workspaceCapRefusal = (cap: number) => ({
  code: 'runs.too_many_active',
  message: `This workspace has ${cap} runs queued or running, the most allowed at once`,
  hint: 'Wait for a run to finish or stop one, then run this again',
  details: { scope: 'workspace', cap },
});
