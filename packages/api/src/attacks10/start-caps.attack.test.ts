import { MAX_CALLS_PER_REQUEST } from '@quarry/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, memberOf } from '../attacks8/facts-kit';
import { refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import {
  cellsIn,
  expectNoInternals,
  freshWorkspace,
  openTransactions,
  poolIsClean,
  postBatch,
  runById,
  sourcesOf,
  storedBy,
  userCapRefusal,
  workspaceCapRefusal,
} from './kit';

// runs.start now decides its caps on the server, in the statements sent with its COMMIT
// (pipelinedTransaction): a start over a cap fails inside the count (quarry_refuse, QR001), which
// aborts the transaction, and the COMMIT answers ROLLBACK. Attacks: bursts far over the per-user
// cap (callers in parallel, and HTTP batches at the per-request call limit), several members at
// once toward the workspace's cap, what the refused starts leave behind (rows, jobs, audit entries,
// saved sources, connections left in a transaction), the audit chain after the storm, and the
// exact shape of the refusal.
let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

type Settled = PromiseSettledResult<{ id: string; status: string }>;

/** Accepted run ids by the cell they ran, and the refusals, from settled starts on `cellIds`. */
function split(cellIds: readonly string[], results: readonly Settled[]) {
  const accepted = new Map<string, string>();
  const refusedCells: string[] = [];
  const reasons: unknown[] = [];
  results.forEach((r, i) => {
    const cellId = cellIds[i] as string;
    if (r.status === 'fulfilled') accepted.set(cellId, r.value.id);
    else {
      refusedCells.push(cellId);
      reasons.push(r.reason);
    }
  });
  return { accepted, refusedCells, reasons };
}

/**
 * What a burst of starts left behind must be exactly the accepted ones': a run row, a job and a
 * `run.start` entry each, with the cell's source saved; the refused cells keep their old source.
 */
async function expectOnlyAccepted(
  workspaceId: string,
  accepted: Map<string, string>,
  refusedCells: readonly string[],
  sources: { sent: (cellId: string) => string; before: string },
) {
  const stored = await storedBy(h, workspaceId);
  const acceptedIds = [...accepted.values()].sort();
  expect(stored.runs.map((r) => r.id).sort()).toEqual(acceptedIds);
  expect(stored.active).toHaveLength(acceptedIds.length);
  expect(stored.jobRunIds).toEqual(acceptedIds);
  expect(stored.startEntries.map((e) => e.target_id).sort()).toEqual(acceptedIds);
  for (const run of stored.runs) expect(accepted.get(run.cell_id)).toBe(run.id);
  const saved = await sourcesOf(h, [...accepted.keys(), ...refusedCells]);
  for (const cellId of accepted.keys()) expect(saved.get(cellId)).toBe(sources.sent(cellId));
  for (const cellId of refusedCells) expect(saved.get(cellId)).toBe(sources.before);
  expect(stored.chain.break).toBeNull();
  return stored;
}

describe('1. bursts over the per-user cap', () => {
  it('60 parallel starts by one Editor on distinct cells: exactly 25 run, 35 get the exact typed refusal, and the refused leave nothing', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 60);
    const editor = await h.as(ws, 'editor');
    const sent = (cellId: string) => `select ${cellIds.indexOf(cellId)} as n -- sent`;
    const results = await Promise.allSettled(
      cellIds.map((cellId) => editor.runs.start({ projectId: ws.projectId, cellId, source: sent(cellId) })),
    );
    const { accepted, refusedCells, reasons } = split(cellIds, results);
    expect(accepted.size).toBe(25);
    expect(refusedCells).toHaveLength(35);
    for (const reason of reasons) {
      const r = await refusal(Promise.reject(reason));
      expect({
        code: r.code,
        quarry: r.quarry,
        message: r.message,
        hint: r.hint,
        details: r.details,
      }).toEqual({
        code: 'TOO_MANY_REQUESTS',
        quarry: 'runs.too_many_active',
        message: userCapRefusal(25).message,
        hint: userCapRefusal(25).hint,
        details: { scope: 'user', cap: 25 },
      });
      expect(JSON.parse(r.text)).toEqual(userCapRefusal(25));
      expectNoInternals(r.text);
      // Nothing of the server's error rides along on the thrown error either.
      expect((reason as { cause?: unknown }).cause).toBeUndefined();
    }
    await expectOnlyAccepted(ws.workspaceId, accepted, refusedCells, { sent, before: 'select 1' });
  });

  it(`the same burst as HTTP: 6 POST batches of ${MAX_CALLS_PER_REQUEST} calls at once, 25 run, the rest answer 429 with only the typed error`, async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 6 * MAX_CALLS_PER_REQUEST);
    const sent = (cellId: string) => `select ${cellIds.indexOf(cellId)} as n -- over http`;
    const batches = Array.from({ length: 6 }, (_, b) =>
      cellIds.slice(b * MAX_CALLS_PER_REQUEST, (b + 1) * MAX_CALLS_PER_REQUEST),
    );
    const answered = await Promise.all(
      batches.map((ids) =>
        postBatch(
          h,
          ws.users.editor.id,
          ws.workspaceId,
          ids.map((cellId) => ({
            path: 'runs.start',
            input: { projectId: ws.projectId, cellId, source: sent(cellId) },
          })),
        ),
      ),
    );
    const answers = answered.flatMap((a) => a.answers);
    expect(answers).toHaveLength(60);
    const accepted = new Map<string, string>();
    const refusedCells: string[] = [];
    answers.forEach((answer, i) => {
      const cellId = cellIds[i] as string;
      const ran = answer.result?.data?.json as { id?: string; status?: string } | undefined;
      if (ran?.id) {
        expect(ran.status).toBe('queued');
        accepted.set(cellId, ran.id);
        return;
      }
      refusedCells.push(cellId);
      expect(answer.error?.json).toEqual({
        message: userCapRefusal(25).message,
        code: -32029,
        data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429, path: 'runs.start', quarry: userCapRefusal(25) },
      });
      expectNoInternals(JSON.stringify(answer));
    });
    expect(accepted.size).toBe(25);
    expect(refusedCells).toHaveLength(35);
    await expectOnlyAccepted(ws.workspaceId, accepted, refusedCells, { sent, before: 'select 1' });
  });

  it('at the cap, running an active cell again still passes (it supersedes itself); a refused start on a new cell cancels nothing', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 26);
    const editor = await h.as(ws, 'editor');
    const first = await Promise.all(
      cellIds
        .slice(0, 25)
        .map((cellId) => editor.runs.start({ projectId: ws.projectId, cellId, source: 'select 2' })),
    );
    // Refused: a 26th cell. Raced with ten re-runs of cells already active, which must all pass.
    const again = cellIds.slice(0, 10);
    const results = await Promise.allSettled([
      editor.runs.start({ projectId: ws.projectId, cellId: cellIds[25] as string, source: 'select 3' }),
      ...again.map((cellId) => editor.runs.start({ projectId: ws.projectId, cellId, source: 'select 4' })),
    ]);
    expect(results[0]?.status).toBe('rejected');
    expect(await refusal(Promise.reject((results[0] as PromiseRejectedResult).reason))).toMatchObject({
      quarry: 'runs.too_many_active',
      details: { scope: 'user', cap: 25 },
    });
    expect(results.slice(1).every((r) => r.status === 'fulfilled')).toBe(true);
    const stored = await storedBy(h, ws.workspaceId);
    expect(stored.active).toHaveLength(25);
    expect(stored.runs).toHaveLength(35);
    // The ten superseded runs are cancelled, the fifteen others untouched.
    const statuses = await Promise.all(first.map((run) => runById(h, run.id)));
    expect(statuses.filter((r) => r?.status === 'cancelled')).toHaveLength(10);
    expect(statuses.filter((r) => r?.status === 'queued')).toHaveLength(15);
    expect((await sourcesOf(h, [cellIds[25] as string])).get(cellIds[25] as string)).toBe('select 1');
    expect(stored.startEntries).toHaveLength(35);
    expect(stored.jobRunIds).toHaveLength(35);
    expect(stored.chain.break).toBeNull();
  });
});

describe('1b. re-runs raced with new starts at the cap', () => {
  it('30 cells each started twice at once (60 starts): exactly 25 cells end with one active run each, every other accepted run superseded', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 30);
    const editor = await h.as(ws, 'editor');
    const results = await Promise.allSettled(
      [...cellIds, ...cellIds].map((cellId, i) =>
        editor.runs.start({ projectId: ws.projectId, cellId, source: `select ${i} as n` }),
      ),
    );
    const accepted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.id] : []));
    for (const r of results) {
      if (r.status === 'rejected') {
        expect(JSON.parse((await refusal(Promise.reject(r.reason))).text)).toEqual(userCapRefusal(25));
      }
    }
    // The active count only grows (a re-run replaces its cell's run), so it reaches the cap and stays.
    const stored = await storedBy(h, ws.workspaceId);
    expect(stored.active).toHaveLength(25);
    expect(new Set(stored.active.map((r) => r.cell_id)).size).toBe(25);
    expect(stored.runs.map((r) => r.id).sort()).toEqual([...accepted].sort());
    expect(stored.runs.filter((r) => r.status === 'cancelled')).toHaveLength(accepted.length - 25);
    expect(stored.jobRunIds).toEqual([...accepted].sort());
    expect(stored.startEntries).toHaveLength(accepted.length);
    expect(stored.chain.break).toBeNull();
    // A cell whose both starts were refused kept its old source; an active cell shows its run's text.
    const saved = await sourcesOf(h, cellIds);
    const activeCells = new Set(stored.active.map((r) => r.cell_id));
    for (const cellId of cellIds) {
      if (!activeCells.has(cellId)) expect(saved.get(cellId)).toBe('select 1');
      else expect(saved.get(cellId)).toMatch(/^select \d+ as n$/);
    }
  });
});

describe('2. several members at once toward the workspace cap', () => {
  it('6 members x 6 parallel starts with caps 4/10: exactly 10 run, none past 4 per member, the rest refused by scope, nothing orphaned', async () => {
    const ws = await freshWorkspace(h);
    const extra = await Promise.all([1, 2, 3].map(() => memberOf(h, ws, 'editor')));
    const memberIds = [ws.users.editor.id, ws.users.manager.id, ws.users.admin.id, ...extra];
    const callers = await Promise.all(memberIds.map((id) => asUser(h, id, ws.workspaceId)));
    const cellIds = await cellsIn(h, ws, 36);
    const sent = (cellId: string) => `select ${cellIds.indexOf(cellId)} as n -- many`;
    h.deps.runCaps = { perUser: 4, perWorkspace: 10 };
    try {
      // Interleaved, so every member's starts reach the lock among the others'.
      const results = await Promise.allSettled(
        cellIds.map((cellId, i) =>
          (callers[i % callers.length] as (typeof callers)[number]).runs.start({
            projectId: ws.projectId,
            cellId,
            source: sent(cellId),
          }),
        ),
      );
      const { accepted, refusedCells, reasons } = split(cellIds, results);
      expect(accepted.size).toBe(10);
      const scopes = { user: 0, workspace: 0 };
      for (const reason of reasons) {
        const r = await refusal(Promise.reject(reason));
        expect(r.code).toBe('TOO_MANY_REQUESTS');
        const body = JSON.parse(r.text) as { details: { scope: 'user' | 'workspace' } };
        expect(body).toEqual(body.details.scope === 'user' ? userCapRefusal(4) : workspaceCapRefusal(10));
        scopes[body.details.scope] += 1;
        expectNoInternals(r.text);
      }
      // At most two members reach 4 of the 10, and each then has 2 starts left: 4 user refusals at most.
      expect(scopes.user).toBeLessThanOrEqual(4);
      expect(scopes.workspace).toBeGreaterThanOrEqual(22);
      const stored = await expectOnlyAccepted(ws.workspaceId, accepted, refusedCells, {
        sent,
        before: 'select 1',
      });
      const perOwner = new Map<string, number>();
      for (const run of stored.active) perOwner.set(run.owner_id, (perOwner.get(run.owner_id) ?? 0) + 1);
      expect(Math.max(...perOwner.values())).toBeLessThanOrEqual(4);
    } finally {
      h.deps.runCaps = undefined;
    }
  });

  it('two workspaces at their caps at once do not hold each other back', async () => {
    const [one, two] = await Promise.all([freshWorkspace(h), freshWorkspace(h)]);
    if (!one || !two) throw new Error('no workspace');
    const [cellsOne, cellsTwo] = await Promise.all([cellsIn(h, one, 12), cellsIn(h, two, 12)]);
    const [edOne, edTwo] = await Promise.all([h.as(one, 'editor'), h.as(two, 'editor')]);
    h.deps.runCaps = { perUser: 25, perWorkspace: 5 };
    try {
      const results = await Promise.allSettled([
        ...cellsOne.map((cellId) =>
          edOne.runs.start({ projectId: one.projectId, cellId, source: 'select 5' }),
        ),
        ...cellsTwo.map((cellId) =>
          edTwo.runs.start({ projectId: two.projectId, cellId, source: 'select 5' }),
        ),
      ]);
      expect(results.slice(0, 12).filter((r) => r.status === 'fulfilled')).toHaveLength(5);
      expect(results.slice(12).filter((r) => r.status === 'fulfilled')).toHaveLength(5);
      expect((await storedBy(h, one.workspaceId)).active).toHaveLength(5);
      expect((await storedBy(h, two.workspaceId)).active).toHaveLength(5);
    } finally {
      h.deps.runCaps = undefined;
    }
  });
});

describe('3. nothing leaks across after a storm of refusals', () => {
  it('no session is left in a transaction, every pooled connection is clean, and a normal start and other procedures work at once', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 40);
    const editor = await h.as(ws, 'editor');
    h.deps.runCaps = { perUser: 2, perWorkspace: 200 };
    let results: Settled[];
    try {
      // Other procedures in flight during the storm are not starved of connections.
      const [starts, reads] = await Promise.all([
        Promise.allSettled(
          cellIds.map((cellId) => editor.runs.start({ projectId: ws.projectId, cellId, source: 'select 6' })),
        ),
        Promise.all(Array.from({ length: 10 }, () => editor.projects.get({ projectId: ws.projectId }))),
      ]);
      results = starts;
      expect(reads).toHaveLength(10);
    } finally {
      h.deps.runCaps = undefined;
    }
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    // The probe sees what it looks for: a pool connection left in an aborted transaction.
    const control = await h.deps.sql.reserve();
    try {
      await control`begin`;
      await control`select 1 / 0`.catch(() => undefined);
      expect((await openTransactions(h, 1)).map((r) => r.state)).toEqual(['idle in transaction (aborted)']);
      await control`rollback`;
    } finally {
      control.release();
    }
    expect(await openTransactions(h)).toEqual([]);
    expect(await poolIsClean(h)).toBe(true);
    // Every connection of the pool is used at once right after: each answers as it should.
    const manager = await h.as(ws, 'manager');
    const admin = await h.as(ws, 'admin');
    const [started, project, runs, verify] = await Promise.all([
      manager.runs.start({ projectId: ws.projectId, cellId: cellIds[0] as string, source: 'select 7' }),
      editor.projects.get({ projectId: ws.projectId }),
      Promise.all(
        results.flatMap((r) => (r.status === 'fulfilled' ? [editor.runs.get({ runId: r.value.id })] : [])),
      ),
      admin.audit.verify(),
    ]);
    expect(started.status).toBe('queued');
    expect(project).toBeTruthy();
    expect(runs.map((r) => r.status)).toEqual(['queued', 'queued']);
    expect(verify).toMatchObject({ intact: true, firstBreak: null });
    // The refused starts' cells can be run once there is room again.
    const stored = await storedBy(h, ws.workspaceId);
    expect(stored.runs).toHaveLength(3);
    expect(stored.startEntries).toHaveLength(3);
    expect(stored.jobRunIds).toHaveLength(3);
    expect(await openTransactions(h)).toEqual([]);
  });
});

describe('4. the audit chain after a storm of mixed accepted and refused starts', () => {
  it('verifies, with one run.start entry per accepted start, its seq numbers 1..n and the head on the newest', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 30);
    const callers = await Promise.all([h.as(ws, 'editor'), h.as(ws, 'manager'), h.as(ws, 'admin')]);
    h.deps.runCaps = { perUser: 3, perWorkspace: 7 };
    try {
      // Three rounds; between them some runs are cancelled, so each round accepts some again.
      let accepted = 0;
      for (let round = 0; round < 3; round += 1) {
        const results = await Promise.allSettled(
          cellIds.map((cellId, i) =>
            (callers[i % 3] as (typeof callers)[number]).runs.start({
              projectId: ws.projectId,
              cellId,
              source: `select ${round}`,
            }),
          ),
        );
        const ok = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ run: r.value, by: i % 3 }] : []));
        accepted += ok.length;
        expect(ok.length).toBeGreaterThan(0);
        expect(ok.length).toBeLessThanOrEqual(7);
        // Every other accepted run stopped by its owner, in parallel with the next round's setup.
        await Promise.all(
          ok
            .filter((_, i) => i % 2 === 0)
            .map(({ run, by }) => (callers[by] as (typeof callers)[number]).runs.cancel({ runId: run.id })),
        );
      }
      const stored = await storedBy(h, ws.workspaceId);
      expect(stored.startEntries).toHaveLength(accepted);
      expect(stored.runs).toHaveLength(accepted);
      expect(stored.chain.break).toBeNull();
      const seqs = await h.deps.sql<{ seq: number }[]>`
        select seq from audit_events where chain = ${ws.workspaceId} order by seq`;
      expect(seqs.map((s) => s.seq)).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(stored.head?.seq).toBe(seqs.length);
      expect(await callers[2]?.audit.verify()).toMatchObject({ intact: true, firstBreak: null });
    } finally {
      h.deps.runCaps = undefined;
    }
  });
});
