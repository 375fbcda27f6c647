import { randomBytes } from 'node:crypto';
import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { newId } from '@quarry/db';
import { projectConnections, projectGrants, projects, runs } from '@quarry/db/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PASSWORD, startTestApi, type TestApi } from '../testing/start-test-api';

// The HTTP surface of issue 11 as an outside attacker meets it: /metrics token variants, tRPC
// batches of notebook changes, and the CSV route's ids and origins.
let h: ApiHarness;
let api: TestApi;
const token = randomBytes(32).toString('hex');

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  api = await startTestApi(h, { QUARRY_METRICS_TOKEN: token });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await h?.close();
});

type Workspace = ApiHarness['a'];

async function signIn(email: string): Promise<string> {
  const res = await api.mutate('auth.signIn', { email, password: FIXTURE_PASSWORD });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

async function projectOf(workspace: Workspace) {
  const id = newId('project');
  await h.database.db.insert(projects).values({
    id,
    workspaceId: workspace.workspaceId,
    name: `p ${id}`,
    createdBy: workspace.users.admin.id,
  });
  await h.database.db.insert(projectGrants).values({
    id: newId('grant'),
    workspaceId: workspace.workspaceId,
    projectId: id,
    userId: workspace.users.editor.id,
    permission: 'can_edit',
  });
  await h.database.db
    .insert(projectConnections)
    .values({ projectId: id, connectionId: workspace.connectionId, workspaceId: workspace.workspaceId });
  return id;
}

const cellsOf = async (projectId: string) =>
  (
    await h.deps.sql<{ name: string; position: number }[]>`
      select name, position from cells where project_id = ${projectId} order by position`
  ).map((row) => ({ name: row.name, position: row.position }));

/** One HTTP request carrying `calls` as a tRPC batch (what httpBatchLink sends). */
function batch(calls: Array<{ path: string; input: unknown }>, cookie: string) {
  const body = Object.fromEntries(calls.map((c, i) => [String(i), { json: c.input }]));
  return fetch(`${api.url}/trpc/${calls.map((c) => c.path).join(',')}?batch=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', cookie },
    body: JSON.stringify(body),
  });
}

describe('/metrics token variants', () => {
  it('refuses every near miss of the bearer token, and serves only the exact one', async () => {
    const metrics = `${api.url}/metrics`;
    const variants: Array<Record<string, string>> = [
      {},
      { authorization: `bearer ${token}` },
      { authorization: `Bearer  ${token}` },
      { authorization: `Bearer ${token}x` },
      { authorization: `Bearer ${token.slice(0, -1)}` },
      { authorization: `Bearer ${token.toUpperCase()}` },
      { authorization: `Basic ${Buffer.from(`prometheus:${token}`).toString('base64')}` },
      { authorization: token },
      { 'x-metrics-token': token },
      { cookie: `token=${token}` },
      { authorization: `Bearer ${token}, Bearer ${token}` },
    ];
    for (const headers of variants) {
      const res = await fetch(metrics, { headers });
      expect(res.status, JSON.stringify(headers).replace(token, '<token>')).toBe(401);
      expect(await res.text()).not.toContain('quarry_queue_jobs');
    }
    for (const url of [
      `${metrics}?token=${token}`,
      `${metrics}?authorization=Bearer%20${token}`,
      `${api.url}/METRICS`,
      `${api.url}/metrics/`,
      `${api.url}//metrics`,
      `${api.url}/trpc/../metrics`,
      `${api.url}/metrics%2f`,
    ]) {
      const res = await fetch(url);
      expect([401, 404], url).toContain(res.status);
      expect(await res.text(), url).not.toContain('quarry_queue_jobs');
    }
    // (A trailing space is HTTP's optional whitespace: the server never sees it, so it is the token.)
    const good = await fetch(metrics, { headers: { authorization: `Bearer ${token}` } });
    expect(good.status).toBe(200);
    const text = await good.text();
    expect(text).toContain('quarry_queue_jobs');
    // Nothing of either workspace reaches the exposition: no ids, names or emails.
    for (const leak of [
      h.a.workspaceId,
      h.b.workspaceId,
      h.a.users.editor.email,
      h.a.projectId,
      'Workspace A',
    ]) {
      expect(text).not.toContain(leak);
    }
  });
});

describe('notebook changes in tRPC batches', () => {
  it('ten unnamed addCell calls in one HTTP request make ten cells with unique names and dense positions', async () => {
    const projectId = await projectOf(h.a);
    const cookie = await signIn(h.a.users.editor.email);
    const res = await batch(
      Array.from({ length: 10 }, () => ({
        path: 'projects.addCell',
        input: { projectId, kind: 'sql', afterCellId: null },
      })),
      cookie,
    );
    expect(res.status).toBe(200);
    const stored = await cellsOf(projectId);
    expect(stored.map((c) => c.position)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(new Set(stored.map((c) => c.name)).size).toBe(10);
  });

  it('a batch of eleven is refused whole, adding nothing', async () => {
    const projectId = await projectOf(h.a);
    const cookie = await signIn(h.a.users.editor.email);
    const res = await batch(
      Array.from({ length: 11 }, () => ({
        path: 'projects.addCell',
        input: { projectId, kind: 'markdown', afterCellId: null },
      })),
      cookie,
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await cellsOf(projectId)).toEqual([]);
  });

  it("each call of a batch is gated alone: B's project among A's calls is refused, A's are made", async () => {
    const mine = await projectOf(h.a);
    const theirs = await projectOf(h.b);
    const cookie = await signIn(h.a.users.editor.email);
    const res = await batch(
      [
        { path: 'projects.addCell', input: { projectId: mine, kind: 'markdown', afterCellId: null } },
        { path: 'projects.addCell', input: { projectId: theirs, kind: 'markdown', afterCellId: null } },
        { path: 'projects.addCell', input: { projectId: mine, kind: 'markdown', afterCellId: null } },
      ],
      cookie,
    );
    const answers = (await res.json()) as Array<{ error?: { json: { data: { code: string } } } }>;
    expect(answers.map((a) => a.error?.json.data.code ?? 'ok')).toEqual(['ok', 'NOT_FOUND', 'ok']);
    expect(await cellsOf(mine)).toHaveLength(2);
    expect(await cellsOf(theirs)).toEqual([]);
  });

  it('a cross-site batch carrying the session cookie is refused before any call runs', async () => {
    const projectId = await projectOf(h.a);
    const cookie = await signIn(h.a.users.editor.email);
    const res = await fetch(`${api.url}/trpc/projects.addCell,projects.addCell?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-site', cookie },
      body: JSON.stringify({
        0: { json: { projectId, kind: 'markdown', afterCellId: null } },
        1: { json: { projectId, kind: 'markdown', afterCellId: null } },
      }),
    });
    expect(res.status).toBe(403);
    expect(await cellsOf(projectId)).toEqual([]);
  });
});

describe('GET /runs/:runId/result.csv ids and origins', () => {
  /** A finished run of `workspace`'s Editor with its chunks still waiting (never read here). */
  async function storedRun(workspace: Workspace) {
    const id = newId('run');
    const now = new Date();
    await h.database.db.insert(runs).values({
      id,
      workspaceId: workspace.workspaceId,
      projectId: workspace.projectId,
      cellId: workspace.cellId,
      ownerId: workspace.users.editor.id,
      connectionId: workspace.connectionId,
      connectionIds: [workspace.connectionId],
      source: 'select 1',
      rowLimit: 10,
      status: 'queued',
      createdAt: now,
    });
    return id;
  }

  it("answers B's run, traversal spellings and the run of a colleague as not found, to a token and a cookie", async () => {
    const bRun = await storedRun(h.b);
    const aRun = await storedRun(h.a);
    const cookie = await signIn(h.a.users.admin.email);
    const { token: bearer } = await h.withToken(h.a, 'admin');
    const ids = [bRun, aRun, `..%2F..%2Fmetrics`, `${aRun}%2F..`, '%2e%2e', `${aRun}%00`, `${aRun}'--`];
    for (const id of ids) {
      for (const headers of [
        { authorization: `Bearer ${bearer}` },
        { cookie, 'sec-fetch-site': 'same-origin' },
      ]) {
        const res = await fetch(`${api.url}/runs/${id}/result.csv`, { headers });
        expect([400, 404], id).toContain(res.status);
        expect(res.headers.get('content-type') ?? '', id).not.toContain('text/csv');
      }
    }
    // Neither run was read: their rows (none yet) and statuses are as they were.
    const left = await h.deps.sql<{ status: string }[]>`select status from runs where id = ${bRun}`;
    expect(left[0]?.status).toBe('queued');
  });

  it('refuses the owner’s cookie from a sibling site (same-site is not same-origin)', async () => {
    const run = await storedRun(h.a);
    const cookie = await signIn(h.a.users.editor.email);
    for (const headers of [
      { cookie, 'sec-fetch-site': 'same-site' },
      { cookie, 'sec-fetch-site': 'none', origin: 'null' },
      { cookie, origin: `${api.url}.evil.example` },
      { cookie, origin: 'http://localhost:3000.evil.example' },
    ]) {
      const res = await fetch(`${api.url}/runs/${run}/result.csv`, { headers });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('auth.bad_origin');
    }
  });
});
