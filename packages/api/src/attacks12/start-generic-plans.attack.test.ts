import { createDb, type DbClient } from '@quarry/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, memberOf } from '../attacks8/facts-kit';
import { cellsIn, freshWorkspace, runById, sourcesOf, storedBy, userCapRefusal } from '../attacks10/kit';
import { refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

// The test harness's pool plans as PostgreSQL chooses ('auto'); the API's pool in production forces
// generic plans (createDb's genericPlans). These attacks run the start path over such a pool, so a
// statement whose generic plan errs, or answers differently, shows here: superseding races, a cap
// refusal after the cancel+save, two members on one cell, and hostile text, each many times over
// one connection set (a statement's generic plan is made on its sixth execution at the latest).
let h: ApiHarness;
let generic: DbClient;

beforeAll(async () => {
  h = await createApiHarness({ orders: 5 });
  generic = createDb(h.database.url, { max: 5, genericPlans: true, applicationName: 'attacks12-generic' });
  const [mode] = await generic.sql<{ plan_cache_mode: string }[]>`show plan_cache_mode`;
  if (mode?.plan_cache_mode !== 'force_generic_plan') throw new Error('not a generic-plan pool');
  h.deps.db = generic.db;
  h.deps.sql = generic.sql;
}, 60_000);
afterAll(async () => {
  if (h) {
    h.deps.db = h.database.db;
    h.deps.sql = h.database.sql;
  }
  await generic?.close();
  await h?.close();
});

describe('the start path over a pool with generic plans', () => {
  it('rounds of parallel re-runs by two members, then a cap refusal after the cancel+save: same outcomes as with custom plans', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 3, { kind: 'js' });
    const otherId = await memberOf(h, ws, 'editor');
    const [one, two] = await Promise.all([h.as(ws, 'editor'), asUser(h, otherId, ws.workspaceId)]);
    for (let round = 0; round < 4; round += 1) {
      const results = await Promise.all(
        cellIds.flatMap((cellId, c) =>
          [one, two, one, two].map((caller, i) =>
            caller.runs.start({
              projectId: ws.projectId,
              cellId,
              source: `return ${round}${c}${i} // '$1');--`,
            }),
          ),
        ),
      );
      expect(results.every((r) => r.status === 'queued')).toBe(true);
      const rows = await h.database.sql<
        { owner_id: string; cell_id: string; status: string; source: string }[]
      >`
        select owner_id, cell_id, status, source from runs where workspace_id = ${ws.workspaceId}`;
      const active = rows.filter((r) => r.status === 'queued');
      // One active run per member and cell, whatever the order.
      expect(active).toHaveLength(6);
      expect(new Set(active.map((r) => `${r.owner_id}:${r.cell_id}`)).size).toBe(6);
      const saved = await sourcesOf(h, cellIds);
      for (const cellId of cellIds) {
        expect(active.filter((r) => r.cell_id === cellId).map((r) => r.source)).toContain(saved.get(cellId));
      }
      // The priority each start set counted only its owner's active runs of this workspace (at most
      // 3 cells, the re-run's own earlier run included).
      const priorities = await h.database.sql<{ priority: number }[]>`
        select priority from pgboss.job where name = 'run.execute' and data->>'workspaceId' = ${ws.workspaceId}`;
      for (const p of priorities) expect(p.priority).toBeGreaterThanOrEqual(-3);
    }
    const active = (await storedBy(h, ws.workspaceId)).active;
    const before = await storedBy(h, ws.workspaceId);
    h.deps.runCaps = { perUser: 2, perWorkspace: 200 };
    try {
      const ran = active.find((r) => r.owner_id === ws.users.editor.id);
      if (!ran) throw new Error('no run');
      for (let i = 0; i < 6; i += 1) {
        const r = await refusal(
          one.runs.start({ projectId: ws.projectId, cellId: ran.cell_id, source: `return 'refused ${i}'` }),
        );
        expect(JSON.parse(r.text)).toEqual(userCapRefusal(2));
      }
      expect((await runById(h, ran.id))?.status).toBe('queued');
    } finally {
      h.deps.runCaps = undefined;
    }
    const after = await storedBy(h, ws.workspaceId);
    expect(after.runs).toEqual(before.runs);
    expect(after.jobRunIds).toEqual(before.jobRunIds);
    expect(after.startEntries).toHaveLength(before.startEntries.length);
    expect(after.head).toEqual(before.head);
    expect(after.chain.break).toBeNull();
    expect(after.startEntries).toHaveLength(48);
    // The starts went through the generic-plan pool, not the harness's.
    const sessions = await h.database.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where application_name = 'attacks12-generic'`;
    expect(sessions[0]?.n).toBeGreaterThan(0);
  });

  it('the summary still equals the stored row, and a refresh is stored as one', async () => {
    const ws = await freshWorkspace(h);
    const [cellId] = await cellsIn(h, ws, 1);
    if (!cellId) throw new Error('no cell');
    const editor = await h.as(ws, 'editor');
    for (let i = 0; i < 8; i += 1) {
      const summary = await editor.runs.start({
        projectId: ws.projectId,
        cellId,
        source: `select ${i} as n`,
        refresh: i % 2 === 0,
        rowLimit: i + 1,
      });
      const row = await runById(h, summary.id);
      expect(row?.createdAt).toEqual(summary.createdAt);
      expect(row?.status).toBe(summary.status);
      expect(row?.rowCount).toBe(summary.rowCount);
      expect(row?.truncated).toBe(summary.truncated);
      expect(row?.refresh).toBe(i % 2 === 0);
      expect(row?.rowLimit).toBe(i + 1);
    }
  });
});
