import { newId } from '@quarry/db';
import { cells } from '@quarry/db/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, memberOf } from '../attacks8/facts-kit';
import { cellsIn, expectNoInternals, freshWorkspace, postBatch, sourcesOf, storedBy } from '../attacks10/kit';
import { projectIn, refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { startsHeldBy } from './kit';

// runs.start after today's change: the cancel of the cell's earlier runs and the save of its source
// are one statement, the notebook is read with the planning columns only. Attacks: ids of another
// workspace (alone and inside a batch with a valid start), a cell of another project, and parallel
// or batched starts of one cell (one user superseding itself; two members who must not cancel each
// other's runs).
let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 5 });
}, 60_000);
afterAll(() => h?.close());

describe('1. ids of another workspace, or of another project', () => {
  it('a start naming B’s project, B’s cell, or A’s project with B’s cell is not found, alone and batched with a valid start; B is untouched', async () => {
    const [a, b] = await Promise.all([freshWorkspace(h), freshWorkspace(h)]);
    if (!a || !b) throw new Error('no workspace');
    const [[aCell], [bCell]] = await Promise.all([cellsIn(h, a, 1), cellsIn(h, b, 1)]);
    if (!aCell || !bCell) throw new Error('no cell');
    // B's owner has a run on B's cell: a start crossing over must not cancel it.
    const bEditor = await h.as(b, 'editor');
    const bRun = await bEditor.runs.start({ projectId: b.projectId, cellId: bCell, source: 'select 2' });
    const bBefore = await startsHeldBy(h, b, [bCell]);
    const aEditor = await h.as(a, 'editor');
    const foreign = [
      { projectId: b.projectId, cellId: bCell },
      { projectId: a.projectId, cellId: bCell },
      { projectId: b.projectId, cellId: aCell },
    ];
    // Each answers exactly as ids that exist nowhere: no oracle for B's ids.
    const madeUp = [
      { projectId: newId('project'), cellId: newId('cell') },
      { projectId: a.projectId, cellId: newId('cell') },
      { projectId: newId('project'), cellId: aCell },
    ];
    for (const [i, ids] of foreign.entries()) {
      const r = await refusal(aEditor.runs.start({ ...ids, source: 'select 666 -- from A' }));
      const control = await refusal(
        aEditor.runs.start({ ...(madeUp[i] as (typeof madeUp)[number]), source: 'select 666' }),
      );
      expect(r.code).toBe('NOT_FOUND');
      expect(r.quarry).toBe(i === 1 ? 'not_found.cell' : 'not_found.project');
      expect(r.text).toBe(control.text);
      expect(r.text).not.toContain(b.workspaceId);
      expectNoInternals(r.text);
    }
    // The same three, each batched with A's own valid start.
    const answered = await postBatch(h, a.users.editor.id, a.workspaceId, [
      { path: 'runs.start', input: { projectId: a.projectId, cellId: aCell, source: 'select 3 -- mine' } },
      ...foreign.map((ids) => ({ path: 'runs.start', input: { ...ids, source: 'select 666 -- batched' } })),
    ]);
    expectNoInternals(answered.text);
    const [mine, ...others] = answered.answers;
    const ran = mine?.result?.data?.json as { id: string; status: string };
    expect(ran.status).toBe('queued');
    for (const other of others) expect(other.error?.json?.data?.httpStatus).toBe(404);
    // B: its run still queued, no new run, job, entry, nor source.
    expect(await startsHeldBy(h, b, [bCell])).toEqual(bBefore);
    expect(bBefore.runs).toEqual([`${bRun.id}:queued`]);
    // A: exactly the one valid start, its source saved.
    const aStored = await storedBy(h, a.workspaceId);
    expect(aStored.runs.map((r) => r.id)).toEqual([ran.id]);
    expect(aStored.jobRunIds).toEqual([ran.id]);
    expect(aStored.startEntries.map((e) => e.target_id)).toEqual([ran.id]);
    expect((await sourcesOf(h, [aCell])).get(aCell)).toBe('select 3 -- mine');
    expect(aStored.chain.break).toBeNull();
  });

  it('a cell of another project of the same workspace (one the caller cannot even see) is not found through a project they can edit', async () => {
    const ws = await freshWorkspace(h);
    // A project shared with nobody but its Admin: the Editor may not see it.
    const hidden = await projectIn(h, ws, []);
    const [hiddenCell] = await cellsIn(h, ws, 1, { projectId: hidden, source: 'select 1 -- hidden' });
    const [ownCell] = await cellsIn(h, ws, 1);
    if (!hiddenCell || !ownCell) throw new Error('no cell');
    const editor = await h.as(ws, 'editor');
    const r = await refusal(
      editor.runs.start({ projectId: ws.projectId, cellId: hiddenCell, source: 'select 9 -- overwrite' }),
    );
    expect(r.code).toBe('NOT_FOUND');
    // And the Admin, who sees both, cannot cross them either.
    const admin = await h.as(ws, 'admin');
    expect(
      (await refusal(admin.runs.start({ projectId: ws.projectId, cellId: hiddenCell, source: 'select 9' })))
        .code,
    ).toBe('NOT_FOUND');
    expect(
      (await refusal(admin.runs.start({ projectId: hidden, cellId: ownCell, source: 'select 9' }))).code,
    ).toBe('NOT_FOUND');
    const stored = await storedBy(h, ws.workspaceId);
    expect(stored.runs).toEqual([]);
    expect(stored.jobRunIds).toEqual([]);
    expect(stored.startEntries).toEqual([]);
    const saved = await sourcesOf(h, [hiddenCell, ownCell]);
    expect(saved.get(hiddenCell)).toBe('select 1 -- hidden');
    expect(saved.get(ownCell)).toBe('select 1');
  });

  it('a cell of A whose row names B’s connection (an id no start input can carry) is refused, storing nothing', async () => {
    const [a, b] = await Promise.all([freshWorkspace(h), freshWorkspace(h)]);
    if (!a || !b) throw new Error('no workspace');
    const cellId = newId('cell');
    await h.database.db.insert(cells).values({
      id: cellId,
      workspaceId: a.workspaceId,
      projectId: a.projectId,
      position: 50,
      name: 'crossed',
      kind: 'sql',
      connectionId: b.connectionId,
      source: 'select 1',
    });
    const editor = await h.as(a, 'editor');
    // An extra `connectionId` in the input is not how a start picks a connection either.
    const r = await refusal(
      editor.runs.start({
        projectId: a.projectId,
        cellId,
        source: 'select 5',
        ...({ connectionId: b.connectionId } as object),
      }),
    );
    expect(r.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(r.quarry).not.toBe('');
    expectNoInternals(r.text);
    expect(r.text).not.toContain(b.connectionId);
    const stored = await storedBy(h, a.workspaceId);
    expect(stored.runs).toEqual([]);
    expect(stored.jobRunIds).toEqual([]);
    expect(stored.startEntries).toEqual([]);
    expect((await sourcesOf(h, [cellId])).get(cellId)).toBe('select 1');
    // And an extra connectionId on A's own good cell does not route its run to B's connection.
    const [good] = await cellsIn(h, a, 1);
    if (!good) throw new Error('no cell');
    const ran = await editor.runs.start({
      projectId: a.projectId,
      cellId: good,
      source: 'select 6',
      ...({ connectionId: b.connectionId } as object),
    });
    const [row] = await h.deps.sql<{ connection_id: string; connection_ids: string[] }[]>`
      select connection_id, connection_ids from runs where id = ${ran.id}`;
    expect(row?.connection_id).toBe(a.connectionId);
    expect(row?.connection_ids).toEqual([a.connectionId]);
  });
});

/** Every run of `cellId`, with its source as the run row keeps it. */
const runsOfCell = (cellId: string) =>
  h.deps.sql<{ id: string; owner_id: string; status: string; source: string; error: unknown }[]>`
    select id, owner_id, status, source, error from runs where cell_id = ${cellId} order by created_at`;

describe('2. one cell started many times at once by its owner (superseding)', () => {
  it('20 parallel starts, then 2 batches of 10 at once: one run active, the rest superseded, the saved source is the active run’s', async () => {
    const ws = await freshWorkspace(h);
    const [cellId] = await cellsIn(h, ws, 1, { kind: 'js' });
    if (!cellId) throw new Error('no cell');
    const editor = await h.as(ws, 'editor');
    const sourceOf = (i: number) => `return ${i} // parallel ${i}`;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        editor.runs.start({ projectId: ws.projectId, cellId, source: sourceOf(i) }),
      ),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const check = async (sent: Map<string, string>) => {
      const all = await runsOfCell(cellId);
      const active = all.filter((r) => r.status === 'queued' || r.status === 'running');
      expect(active).toHaveLength(1);
      const winner = active[0] as (typeof active)[number];
      expect(all.filter((r) => r.status === 'cancelled')).toHaveLength(all.length - 1);
      for (const r of all.filter((x) => x.status === 'cancelled')) {
        expect(r.error).toMatchObject({ code: 'run.cancelled' });
      }
      // The JS run keeps its code as sent: the cell shows exactly what the active run runs.
      expect(winner.source).toBe(sent.get(winner.id));
      expect((await sourcesOf(h, [cellId])).get(cellId)).toBe(winner.source);
      // Each start's audit entry names the runs it cancelled: together, every cancelled run once.
      const entries = await h.deps.sql<{ target_id: string; cancelled: string[] | null }[]>`
        select target_id, details->'cancelled' as cancelled from audit_events
        where chain = ${ws.workspaceId} and action = 'run.start'`;
      const cancelledByEntries = entries.flatMap((e) => e.cancelled ?? []).sort();
      expect(cancelledByEntries).toEqual(
        all
          .filter((r) => r.status === 'cancelled')
          .map((r) => r.id)
          .sort(),
      );
      expect(entries.map((e) => e.target_id).sort()).toEqual(all.map((r) => r.id).sort());
      const stored = await storedBy(h, ws.workspaceId);
      expect(stored.jobRunIds).toEqual(all.map((r) => r.id).sort());
      expect(stored.chain.break).toBeNull();
    };
    const sent = new Map<string, string>();
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') sent.set(r.value.id, sourceOf(i));
    });
    await check(sent);

    // Two HTTP batches of 10 starts of the same cell, at once.
    const batchSource = (b: number, i: number) => `return ${b * 100 + i} // batch ${b}`;
    const answered = await Promise.all(
      [0, 1].map((b) =>
        postBatch(
          h,
          ws.users.editor.id,
          ws.workspaceId,
          Array.from({ length: 10 }, (_, i) => ({
            path: 'runs.start',
            input: { projectId: ws.projectId, cellId, source: batchSource(b, i) },
          })),
        ),
      ),
    );
    answered.forEach((a, b) => {
      a.answers.forEach((answer, i) => {
        const ran = answer.result?.data?.json as { id?: string } | undefined;
        expect(ran?.id).toBeTruthy();
        sent.set(ran?.id as string, batchSource(b, i));
      });
    });
    await check(sent);
    expect(await runsOfCell(cellId)).toHaveLength(40);
  });

  it('a SQL cell: the source saved belongs to the run that stayed active, never to a cancelled one', async () => {
    const ws = await freshWorkspace(h);
    const [cellId] = await cellsIn(h, ws, 1);
    if (!cellId) throw new Error('no cell');
    const editor = await h.as(ws, 'editor');
    for (let round = 0; round < 3; round += 1) {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          editor.runs.start({ projectId: ws.projectId, cellId, source: `select ${round * 10 + i} as n` }),
        ),
      );
      const all = await runsOfCell(cellId);
      const active = all.filter((r) => r.status === 'queued');
      expect(active).toHaveLength(1);
      const winner = active[0] as (typeof active)[number];
      expect(results.map((r) => r.id)).toContain(winner.id);
      const saved = (await sourcesOf(h, [cellId])).get(cellId) as string;
      expect(saved).toMatch(/^select \d+ as n$/);
      // The run's SQL is the saved text (no inputs: nothing to rewrite).
      expect(winner.source).toBe(saved);
    }
  });
});

describe('3. one cell started at once by two members', () => {
  it('neither cancels the other’s run: each member ends with exactly their latest run active', async () => {
    const ws = await freshWorkspace(h);
    const [cellId] = await cellsIn(h, ws, 1, { kind: 'js' });
    if (!cellId) throw new Error('no cell');
    const otherId = await memberOf(h, ws, 'editor');
    const [one, two] = await Promise.all([h.as(ws, 'editor'), asUser(h, otherId, ws.workspaceId)]);
    const starts = Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? one : two).runs.start({ projectId: ws.projectId, cellId, source: `return ${i}` }),
    );
    const results = await Promise.all(starts);
    const all = await runsOfCell(cellId);
    expect(all).toHaveLength(12);
    for (const owner of [ws.users.editor.id, otherId]) {
      const mine = all.filter((r) => r.owner_id === owner);
      expect(mine).toHaveLength(6);
      expect(mine.filter((r) => r.status === 'queued')).toHaveLength(1);
      expect(mine.filter((r) => r.status === 'cancelled')).toHaveLength(5);
    }
    // No start's audit entry names a run of the other member as cancelled.
    const entries = await h.deps.sql<{ actor_id: string; cancelled: string[] | null }[]>`
      select actor_id, details->'cancelled' as cancelled from audit_events
      where chain = ${ws.workspaceId} and action = 'run.start'`;
    const ownerOf = new Map(all.map((r) => [r.id, r.owner_id]));
    for (const e of entries) for (const id of e.cancelled ?? []) expect(ownerOf.get(id)).toBe(e.actor_id);
    // The saved source is one of the two active runs' (the one that committed last).
    const active = all.filter((r) => r.status === 'queued').map((r) => r.source);
    expect(active).toContain((await sourcesOf(h, [cellId])).get(cellId));
    expect(results).toHaveLength(12);
  });
});

describe('4. hostile text through the combined cancel+save statement', () => {
  const stored = [
    `return "'); delete from runs; --"`,
    `return '$1 $2 $$ $n $$1 \\'  "'`,
    `return \`\${1}\` // '); update cells set source = 'x'; --`,
    `return 1 /* with alongside as (select 1) */`,
    `return 'e\u0301 😀 \u202e \u2028 \\u0000'`,
  ];

  it('each is saved and run exactly as sent, superseding the last, with nothing else touched', async () => {
    const ws = await freshWorkspace(h);
    const [cellId, bystander] = await cellsIn(h, ws, 2, { kind: 'js' });
    if (!cellId || !bystander) throw new Error('no cell');
    const editor = await h.as(ws, 'editor');
    const ids: string[] = [];
    for (const source of stored) {
      const ran = await editor.runs.start({ projectId: ws.projectId, cellId, source });
      ids.push(ran.id);
      expect((await sourcesOf(h, [cellId])).get(cellId)).toBe(source);
      const [row] = await h.deps.sql<{ source: string }[]>`select source from runs where id = ${ran.id}`;
      expect(row?.source).toBe(source);
    }
    const all = await runsOfCell(cellId);
    expect(all.map((r) => r.status)).toEqual([...stored.map(() => 'cancelled').slice(1), 'queued']);
    expect((await sourcesOf(h, [bystander])).get(bystander)).toBe('return 1');
    expect((await storedBy(h, ws.workspaceId)).chain.break).toBeNull();
  });

  it('SQL text with quotes, `$1`, and statement-shaped tails: saved exactly, the run’s SQL is the text sent, or a typed refusal saving nothing', async () => {
    const ws = await freshWorkspace(h);
    const [cellId] = await cellsIn(h, ws, 1);
    if (!cellId) throw new Error('no cell');
    const editor = await h.as(ws, 'editor');
    const hostile = [
      `select '$1' as a, 'x'';--' as b -- '); delete from cells; --`,
      `select $1 as a`,
      `select 1 as a -- $1 $2 '; with alongside as (delete from runs) select 1`,
      `select E'\\x00 \\' as a /* '); select quarry_refuse('runs.too_many_active', 'user'); -- */`,
    ];
    for (const source of hostile) {
      const before = (await sourcesOf(h, [cellId])).get(cellId);
      const outcome = await editor.runs
        .start({ projectId: ws.projectId, cellId, source })
        .then((run) => ({ run }))
        .catch(async (error: unknown) => ({ refused: await refusal(Promise.reject(error)) }));
      if ('run' in outcome) {
        expect((await sourcesOf(h, [cellId])).get(cellId)).toBe(source);
        const [row] = await h.deps.sql<{ source: string; status: string }[]>`
          select source, status from runs where id = ${outcome.run.id}`;
        expect(row).toEqual({ source, status: 'queued' });
      } else {
        expect(outcome.refused.code).not.toBe('INTERNAL_SERVER_ERROR');
        expect(outcome.refused.quarry).not.toBe('');
        expectNoInternals(outcome.refused.text);
        expect((await sourcesOf(h, [cellId])).get(cellId)).toBe(before);
      }
    }
    const all = await runsOfCell(cellId);
    expect(all.filter((r) => r.status === 'queued')).toHaveLength(1);
    expect((await storedBy(h, ws.workspaceId)).chain.break).toBeNull();
  });

  it('a NUL or half a character is a typed 400 refusal that cancels nothing and saves nothing', async () => {
    const ws = await freshWorkspace(h);
    const [cellId] = await cellsIn(h, ws, 1, { kind: 'js' });
    if (!cellId) throw new Error('no cell');
    const editor = await h.as(ws, 'editor');
    const first = await editor.runs.start({ projectId: ws.projectId, cellId, source: 'return 7' });
    const before = await startsHeldBy(h, ws, [cellId]);
    const answered = await postBatch(
      h,
      ws.users.editor.id,
      ws.workspaceId,
      [`return 1 // \u0000 nul`, `return '\ud83d'`, `return 1 // \udfff'); --`].map((source) => ({
        path: 'runs.start',
        input: { projectId: ws.projectId, cellId, source },
      })),
    );
    expectNoInternals(answered.text);
    for (const answer of answered.answers) {
      expect(answer.error?.json?.data?.httpStatus).toBe(400);
      expect(answer.error?.json?.data?.quarry?.code).toBe('input.invalid');
    }
    expect(await startsHeldBy(h, ws, [cellId])).toEqual(before);
    expect(before.runs).toEqual([`${first.id}:queued`]);
  });
});
