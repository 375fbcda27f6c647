import { newId } from '@quarry/db';
import { cells, connections } from '@quarry/db/schema';
import type { WorkspaceFixture } from '@quarry/db/testing';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { alsoJoin, connectionOf, linkRow, memberOf } from '../attacks8/facts-kit';
import { expectNoInternals, sourcesOf, storedBy } from '../attacks10/kit';
import { projectIn, sqlCellIn } from '../testing/fixtures';
import type { ApiHarness } from '../testing/harness';
import {
  bearerFor,
  cookieFor,
  type countWatches,
  freshWorkspace,
  type HttpApi,
  plainBatch,
  type StreamAnswer,
  sessionIdOf,
  streamBatch,
  useHttpApi,
} from './kit';

// runs.startAndStream starts a run and streams it in one response. Attacks here: everyone who may
// not start the run (roles below Can edit, anonymous, revoked or expired credentials, deactivated
// members, other workspaces), other people's ids, and hostile input, each over real HTTP as
// httpBatchStreamLink sends it. Every refusal must be typed and leave nothing behind: no run, no
// queued job, no audit entry, the cell's source as it was, and no result stream opened.
let h: ApiHarness;
let api: HttpApi;
let watches: ReturnType<typeof countWatches>;

useHttpApi((setup) => {
  ({ h, api, watches } = setup);
});

const call = (input: unknown) => ({ path: 'runs.startAndStream', input });
const startOf = (ws: WorkspaceFixture, over: Record<string, unknown> = {}) =>
  call({ projectId: ws.projectId, cellId: ws.cellId, source: 'select 666 as attack', ...over });

/** The answer's error as the client sees it: tRPC code, HTTP status, Quarry code. */
const refusalOf = (answer: StreamAnswer) => {
  if (!answer.error) throw new Error(`expected a refusal, got a result: ${JSON.stringify(answer.data)}`);
  return {
    code: answer.error.data.code,
    httpStatus: answer.error.data.httpStatus,
    quarry: answer.error.data.quarry.code,
  };
};

/** Nothing a start stores exists in `ws`, and each cell keeps `before` as its source. */
async function expectNothingStored(ws: WorkspaceFixture, cellIds: readonly string[], before = 'select 1') {
  const stored = await storedBy(h, ws.workspaceId);
  expect(stored.runs).toEqual([]);
  expect(stored.jobRunIds).toEqual([]);
  expect(stored.startEntries).toEqual([]);
  expect(stored.head).toBeNull();
  const saved = await sourcesOf(h, cellIds);
  for (const id of cellIds) expect(saved.get(id), id).toBe(id === ws.cellId ? 'select 1 as one' : before);
}

describe('callers who may not start a run in the project', () => {
  it('Viewer, Explorer, Guest (session or token), anonymous, forged, expired or revoked credentials, deactivated members and other workspaces are refused with their typed code, and nothing is stored', async () => {
    const ws = await freshWorkspace(h);
    const other = await freshWorkspace(h);
    const opened = watches.opened();
    // Credentials that were valid once.
    const expiredSession = await cookieFor(
      h,
      ws.users.editor.id,
      ws.workspaceId,
      new Date(Date.now() - 4 * 24 * 60 * 60 * 1000),
    );
    const revokedSession = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    await h.deps.sql`delete from sessions where id = ${sessionIdOf(revokedSession)}`;
    const revokedToken = await bearerFor(h, ws.users.editor.id, ws.workspaceId);
    await h.deps.sql`update api_tokens set revoked_at = now() where id = ${revokedToken.tokenId}`;
    const expiredToken = await bearerFor(h, ws.users.editor.id, ws.workspaceId);
    await h.deps
      .sql`update api_tokens set expires_at = now() - interval '1 minute' where id = ${expiredToken.tokenId}`;
    // A second Editor, deactivated after signing in and minting a token.
    const gone = await memberOf(h, ws, 'editor');
    const goneSession = await cookieFor(h, gone, ws.workspaceId);
    const goneToken = await bearerFor(h, gone, ws.workspaceId);
    await h.deps.sql`update workspace_members set deactivated_at = now()
      where user_id = ${gone} and workspace_id = ${ws.workspaceId}`;
    // An Editor of the other workspace who also belongs to this one as a Viewer, signed in there.
    const both = await memberOf(h, other, 'editor');
    await alsoJoin(h, both, ws, 'viewer');

    const attempts: [string, Record<string, string>, { code: string; quarry: RegExp | string }][] = [
      [
        'viewer',
        await cookieFor(h, ws.users.viewer.id, ws.workspaceId),
        { code: 'FORBIDDEN', quarry: /^access\./ },
      ],
      [
        'explorer',
        await cookieFor(h, ws.users.explorer.id, ws.workspaceId),
        { code: 'FORBIDDEN', quarry: /^access\./ },
      ],
      [
        'guest',
        await cookieFor(h, ws.users.guest.id, ws.workspaceId),
        { code: 'FORBIDDEN', quarry: /^access\./ },
      ],
      [
        'viewer token',
        (await bearerFor(h, ws.users.viewer.id, ws.workspaceId)).headers,
        { code: 'FORBIDDEN', quarry: /^access\./ },
      ],
      [
        'both, as Viewer here',
        await cookieFor(h, both, ws.workspaceId),
        { code: 'FORBIDDEN', quarry: /^access\./ },
      ],
      ['anonymous', {}, { code: 'UNAUTHORIZED', quarry: 'auth.signed_out' }],
      [
        'forged cookie',
        { cookie: 'quarry_session=aaaa.bbbb' },
        { code: 'UNAUTHORIZED', quarry: 'auth.signed_out' },
      ],
      [
        'forged token',
        { authorization: `Bearer qry_${'a'.repeat(16)}_${'b'.repeat(52)}` },
        { code: 'UNAUTHORIZED', quarry: 'auth.signed_out' },
      ],
      ['expired session', expiredSession, { code: 'UNAUTHORIZED', quarry: 'auth.signed_out' }],
      ['revoked session', revokedSession, { code: 'UNAUTHORIZED', quarry: 'auth.signed_out' }],
      ['revoked token', revokedToken.headers, { code: 'UNAUTHORIZED', quarry: 'auth.signed_out' }],
      ['expired token', expiredToken.headers, { code: 'UNAUTHORIZED', quarry: 'auth.signed_out' }],
      ['deactivated session', goneSession, { code: 'UNAUTHORIZED', quarry: 'auth.signed_out' }],
      ['deactivated token', goneToken.headers, { code: 'UNAUTHORIZED', quarry: 'auth.signed_out' }],
      [
        "other workspace's Admin",
        await cookieFor(h, other.users.admin.id, other.workspaceId),
        { code: 'NOT_FOUND', quarry: 'not_found.project' },
      ],
      [
        "other workspace's Editor token",
        (await bearerFor(h, other.users.editor.id, other.workspaceId)).headers,
        { code: 'NOT_FOUND', quarry: 'not_found.project' },
      ],
      [
        'both, as Editor there',
        await cookieFor(h, both, other.workspaceId),
        { code: 'NOT_FOUND', quarry: 'not_found.project' },
      ],
    ];
    const batches = await Promise.all(
      attempts.map(([, headers]) => streamBatch(api, headers, [startOf(ws)])),
    );
    for (const [i, batch] of batches.entries()) {
      const [who, , expected] = attempts[i] as (typeof attempts)[number];
      const answer = await batch.answers[0];
      if (!answer) throw new Error('no answer');
      const refused = refusalOf(answer);
      expect({ who, code: refused.code }).toEqual({ who, code: expected.code });
      expect(refused.quarry, who).toMatch(expected.quarry);
      const text = await batch.text();
      expectNoInternals(text);
      // Nothing of a run, nor anything of the other workspace, in what was sent.
      expect(text).not.toContain('run_');
      expect(text).not.toContain(other.projectId);
    }
    await expectNothingStored(ws, [ws.cellId]);
    await expectNothingStored(other, [other.cellId]);
    expect(watches.opened()).toBe(opened);
    expect(api.internalErrors()).toEqual([]);
  });
});

describe("other people's ids", () => {
  it("another workspace's project or cell, a cell of another project, projects the caller may only view or not see, and connections the project does not import are refused, storing nothing", async () => {
    const ws = await freshWorkspace(h);
    const other = await freshWorkspace(h);
    const editor = ws.users.editor.id;
    const opened = watches.opened();
    // A second project the Editor may edit, one they may only view, one they cannot see.
    const editable = await projectIn(h, ws, [{ userId: editor, permission: 'can_edit' }]);
    await linkRow(h, { projectId: editable, connectionId: ws.connectionId, workspaceId: ws.workspaceId });
    const viewOnly = await projectIn(h, ws, [{ userId: editor, permission: 'can_view' }]);
    await linkRow(h, { projectId: viewOnly, connectionId: ws.connectionId, workspaceId: ws.workspaceId });
    const closed = await projectIn(h, ws, []);
    await linkRow(h, { projectId: closed, connectionId: ws.connectionId, workspaceId: ws.workspaceId });
    const [inEditable, inViewOnly, inClosed] = await Promise.all(
      [editable, viewOnly, closed].map((p) => sqlCellIn(h, ws, p, ws.connectionId)),
    );
    // Cells of the Editor's own project set (straight in the database) to read connections the
    // project does not import: the other workspace's, and one of this workspace left out of it.
    const notImported = await connectionOf(h, ws);
    const onOthers = await sqlCellIn(h, ws, ws.projectId, other.connectionId);
    const onNotImported = await sqlCellIn(h, ws, ws.projectId, notImported);
    // A project the Editor may edit, importing a connection only a group they are not in may query.
    const restrictedProject = await projectIn(h, ws, [{ userId: editor, permission: 'can_edit' }]);
    const restricted = await connectionOf(h, ws, {
      canQuery: ['grp_nobody'],
      canViewResults: ['grp_nobody'],
    });
    await linkRow(h, { projectId: restrictedProject, connectionId: restricted, workspaceId: ws.workspaceId });
    const onRestricted = await sqlCellIn(h, ws, restrictedProject, restricted);
    // A Markdown cell: nothing to run.
    const markdown = newId('cell');
    await h.database.db.insert(cells).values({
      id: markdown,
      workspaceId: ws.workspaceId,
      projectId: ws.projectId,
      position: 50,
      name: 'notes',
      kind: 'markdown',
      source: 'select 1',
    });
    const s = 'select 666 as attack';
    const cases: [string, unknown, string, string][] = [
      [
        "other workspace's project and cell",
        { projectId: other.projectId, cellId: other.cellId },
        'NOT_FOUND',
        'not_found.project',
      ],
      [
        "own project, other workspace's cell",
        { projectId: ws.projectId, cellId: other.cellId },
        'NOT_FOUND',
        'not_found.cell',
      ],
      [
        'own project, a cell of another editable project',
        { projectId: ws.projectId, cellId: inEditable },
        'NOT_FOUND',
        'not_found.cell',
      ],
      [
        'own project, a cell of a view-only project',
        { projectId: ws.projectId, cellId: inViewOnly },
        'NOT_FOUND',
        'not_found.cell',
      ],
      [
        'own project, a cell of a project closed to them',
        { projectId: ws.projectId, cellId: inClosed },
        'NOT_FOUND',
        'not_found.cell',
      ],
      [
        'a view-only project and its cell',
        { projectId: viewOnly, cellId: inViewOnly },
        'FORBIDDEN',
        'access.',
      ],
      [
        'a view-only project, a cell of their editable project',
        { projectId: viewOnly, cellId: ws.cellId },
        'FORBIDDEN',
        'access.',
      ],
      [
        'a closed project and its cell',
        { projectId: closed, cellId: inClosed },
        'NOT_FOUND',
        'not_found.project',
      ],
      [
        'a cell reading the other workspace’s connection',
        { projectId: ws.projectId, cellId: onOthers },
        'BAD_REQUEST',
        'connections.not_in_project',
      ],
      [
        'a cell reading a connection the project does not import',
        { projectId: ws.projectId, cellId: onNotImported },
        'BAD_REQUEST',
        'connections.not_in_project',
      ],
      [
        'a cell on a connection without Can query',
        { projectId: restrictedProject, cellId: onRestricted },
        'FORBIDDEN',
        'access.',
      ],
      [
        'a Markdown cell',
        { projectId: ws.projectId, cellId: markdown },
        'BAD_REQUEST',
        'notebook.not_runnable',
      ],
    ];
    const headers = await cookieFor(h, editor, ws.workspaceId);
    // In batches of up to ten calls, as the SDK would batch them, all at once.
    const batches = await Promise.all(
      [cases.slice(0, 6), cases.slice(6)].map((part) =>
        streamBatch(
          api,
          headers,
          part.map(([, ids]) => call({ ...(ids as object), source: s })),
        ),
      ),
    );
    const answers = (await Promise.all(batches.flatMap((b) => b.answers))) as StreamAnswer[];
    expect(answers).toHaveLength(cases.length);
    for (const [i, answer] of answers.entries()) {
      const [what, , code, quarry] = cases[i] as (typeof cases)[number];
      const refused = refusalOf(answer);
      expect({ what, code: refused.code }).toEqual({ what, code });
      expect(refused.quarry.startsWith(quarry), `${what}: ${refused.quarry}`).toBe(true);
    }
    for (const batch of batches) {
      const text = await batch.text();
      expectNoInternals(text);
      expect(text).not.toContain('run_');
      // The other workspace's ids are never echoed back as something that exists.
      expect(text).not.toContain(other.connectionId);
      expect(text).not.toContain('warehouse');
    }
    const cellIds = [ws.cellId, inEditable, inViewOnly, inClosed, onOthers, onNotImported, onRestricted];
    await expectNothingStored(ws, cellIds as string[]);
    await expectNothingStored(other, [other.cellId]);
    const [md] = await h.database.db
      .select({ source: cells.source })
      .from(cells)
      .where(eq(cells.id, markdown));
    expect(md?.source).toBe('select 1');
    expect(watches.opened()).toBe(opened);
    expect(api.internalErrors()).toEqual([]);
    // The restricted connection is still restricted (nothing above changed it).
    const [conn] = await h.database.db.select().from(connections).where(eq(connections.id, restricted));
    expect(conn?.canQuery).toEqual(['grp_nobody']);
  });
});

describe('hostile input', () => {
  it('NUL, half characters, oversize or empty sources, wrong types and SQL in ids are typed refusals (BAD_REQUEST or NOT_FOUND), never a 500, and store nothing', async () => {
    const ws = await freshWorkspace(h);
    const opened = watches.opened();
    const p = ws.projectId;
    const c = ws.cellId;
    const bad: [string, unknown, 'BAD_REQUEST' | 'NOT_FOUND'][] = [
      ['NUL in the source', { projectId: p, cellId: c, source: 'select 1 -- \u0000' }, 'BAD_REQUEST'],
      [
        'NUL in an input name',
        { projectId: p, cellId: c, source: 'select 1', inputs: { 'a\u0000': 1 } },
        'BAD_REQUEST',
      ],
      [
        'NUL in an input value',
        { projectId: p, cellId: c, source: 'select 1', inputs: { a: 'x\u0000' } },
        'BAD_REQUEST',
      ],
      ['a lone high surrogate', { projectId: p, cellId: c, source: 'select 1 -- \ud800' }, 'BAD_REQUEST'],
      [
        'a lone low surrogate in an input name',
        { projectId: p, cellId: c, source: 'select 1', inputs: { '\udc00': 1 } },
        'BAD_REQUEST',
      ],
      [
        'a source past 100 000 characters',
        { projectId: p, cellId: c, source: `select 1 -- ${'x'.repeat(100_000)}` },
        'BAD_REQUEST',
      ],
      ['an empty source', { projectId: p, cellId: c, source: '' }, 'BAD_REQUEST'],
      ['a source that is not text', { projectId: p, cellId: c, source: { sql: 'select 1' } }, 'BAD_REQUEST'],
      ['a row limit of 0', { projectId: p, cellId: c, source: 'select 1', rowLimit: 0 }, 'BAD_REQUEST'],
      [
        'a fractional row limit',
        { projectId: p, cellId: c, source: 'select 1', rowLimit: 1.5 },
        'BAD_REQUEST',
      ],
      [
        'a row limit past the maximum',
        { projectId: p, cellId: c, source: 'select 1', rowLimit: 1_000_001 },
        'BAD_REQUEST',
      ],
      ['a row limit as text', { projectId: p, cellId: c, source: 'select 1', rowLimit: '10' }, 'BAD_REQUEST'],
      ['refresh as text', { projectId: p, cellId: c, source: 'select 1', refresh: 'yes' }, 'BAD_REQUEST'],
      [
        'an input name past 63 characters',
        { projectId: p, cellId: c, source: 'select 1', inputs: { ['n'.repeat(64)]: 1 } },
        'BAD_REQUEST',
      ],
      ['SQL in the project id', { projectId: "prj_' or '1'='1", cellId: c, source: 'select 1' }, 'NOT_FOUND'],
      [
        'SQL in the project id, unprefixed',
        { projectId: "'; delete from runs; --", cellId: c, source: 'select 1' },
        'NOT_FOUND',
      ],
      [
        'a project id that is an object',
        { projectId: { $ne: null }, cellId: c, source: 'select 1' },
        'NOT_FOUND',
      ],
      ['a project id that is a list', { projectId: [p], cellId: c, source: 'select 1' }, 'NOT_FOUND'],
      ['no project id', { cellId: c, source: 'select 1' }, 'NOT_FOUND'],
      [
        'SQL in the cell id',
        { projectId: p, cellId: "cel_' or '1'='1' --", source: 'select 1' },
        'NOT_FOUND',
      ],
      [
        'SQL in the cell id, unprefixed',
        { projectId: p, cellId: "x'; update cells set source = 'pwned'; --", source: 'select 1' },
        'BAD_REQUEST',
      ],
      [
        'a cell id past the id length',
        { projectId: p, cellId: `cel_${'a'.repeat(500)}`, source: 'select 1' },
        'BAD_REQUEST',
      ],
      ['no input at all', undefined, 'NOT_FOUND'],
    ];
    const headers = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    const batches = await Promise.all(
      Array.from({ length: Math.ceil(bad.length / 10) }, (_, i) =>
        streamBatch(
          api,
          headers,
          bad.slice(i * 10, i * 10 + 10).map(([, input]) => call(input)),
        ),
      ),
    );
    const answers = (await Promise.all(batches.flatMap((b) => b.answers))) as StreamAnswer[];
    expect(answers).toHaveLength(bad.length);
    for (const [i, answer] of answers.entries()) {
      const [what, , code] = bad[i] as (typeof bad)[number];
      const refused = refusalOf(answer);
      expect({ what, code: refused.code }).toEqual({ what, code });
      expect(refused.quarry, what).toMatch(code === 'NOT_FOUND' ? /^not_found\./ : /^input\.invalid$/);
    }
    for (const batch of batches) {
      const text = await batch.text();
      expectNoInternals(text);
      expect(text).not.toContain('run_');
      expect(text).not.toContain('pwned');
    }
    await expectNothingStored(ws, [c]);
    // The tables the SQL in ids named are as they were.
    expect((await h.deps.sql`select count(*)::int as n from cells where source = 'pwned'`)[0]?.n).toBe(0);
    expect(watches.opened()).toBe(opened);
    expect(api.internalErrors()).toEqual([]);
  });
});

describe('the wrong transport', () => {
  it('a GET, a streamed call outside a batch, and a batch mixing it with a query are refused before anything runs', async () => {
    const ws = await freshWorkspace(h);
    const other = await freshWorkspace(h);
    const opened = watches.opened();
    const headers = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    // As a GET (a link in a page, or a prefetch): a mutation is not answered on GET.
    const get = await streamBatch(api, headers, [startOf(ws)], 'GET');
    expect(refusalOf((await get.answers[0]) as StreamAnswer)).toMatchObject({
      code: 'METHOD_NOT_SUPPORTED',
      httpStatus: 405,
    });
    // Mixed with runs.events of another workspace's run in one POST: the whole request is refused.
    const mixed = await streamBatch(api, headers, [
      startOf(ws),
      { path: 'runs.events', input: { runId: newId('run') } },
      startOf(ws, { projectId: other.projectId, cellId: other.cellId }),
    ]);
    expect(mixed.status).toBe(400);
    for (const answer of mixed.answers) expect(refusalOf(await answer).code).toBe('BAD_REQUEST');
    // Asking for a stream without a batch.
    const unbatched = await fetch(`${api.url}/trpc/runs.startAndStream`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'trpc-accept': 'application/jsonl' },
      body: JSON.stringify({ json: { projectId: ws.projectId, cellId: ws.cellId, source: 'select 666' } }),
    });
    expect(unbatched.status).toBe(400);
    expectNoInternals(await unbatched.text());
    await expectNothingStored(ws, [ws.cellId]);
    await expectNothingStored(other, [other.cellId]);
    expect(watches.opened()).toBe(opened);
  });

  // Found by this attack: a call that did not ask for JSON lines (httpBatchLink, curl, any client
  // other than the SDK's split link) ran the whole mutation first (the run recorded, its job queued,
  // a `run.start` audit entry written, the cell's source saved) and only then did tRPC find the
  // events iterable in the answer and refuse with 415: the caller never learned the run's id, and
  // the run held one of its 25 active slots. The procedure now refuses such a call first.
  it('a plain batch (no JSON lines) is refused, and the refusal stores nothing', async () => {
    const ws = await freshWorkspace(h);
    const headers = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    const plain = await plainBatch(api, headers, [startOf(ws)]);
    expect(plain.status).toBe(415);
    expect(plain.answers[0]?.error?.json.data.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(plain.text).toContain('request.stream_required');
    expect(plain.text).not.toContain('run_');
    await expectNothingStored(ws, [ws.cellId]);
  });

  // As above (found and fixed), for a single (unbatched) POST without JSON lines.
  it('a single POST without JSON lines is refused, and the refusal stores nothing', async () => {
    const ws = await freshWorkspace(h);
    const headers = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    const res = await fetch(`${api.url}/trpc/runs.startAndStream`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { projectId: ws.projectId, cellId: ws.cellId, source: 'select 666' } }),
    });
    expect(res.status).toBe(415);
    expect(await res.text()).not.toContain('run_');
    await expectNothingStored(ws, [ws.cellId]);
  });
});
