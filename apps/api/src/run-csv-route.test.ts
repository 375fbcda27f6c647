import type { TestDatabase, WorkspaceFixture } from '@quarry/db/testing';
import { createQuarryClient } from '@quarry/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from './server';
import { type ApiWithRunner, startApiWithRunner } from './testing/start-api-with-runner';

const PASSWORD = 'csv route password 1';
const ORDERS = 20_000;
let stack: ApiWithRunner;
let database: TestDatabase;
let fixture: WorkspaceFixture;
let api: RunningApi;

beforeAll(async () => {
  stack = await startApiWithRunner({ orders: ORDERS, password: PASSWORD });
  ({ database, fixture, api } = stack);
});

afterAll(() => stack?.stop());

const QUERY = `select id, status, null::text as nothing, ''::text as empty, id % 2 = 0 as even,
  'say "hi", then
leave' as quoted
  from orders order by id`;

/**
 * Starts a run as the editor through the SDK, reading none of it (runs.start: the SDK's query()
 * reads the result as it comes).
 */
async function startRun(sql = QUERY, rowLimit = 1_000_000): Promise<string> {
  const client = createQuarryClient({
    url: api.url,
    token: await stack.tokenFor(fixture.users.editor.email, 'csv'),
  });
  const run = await client.api.runs.start.mutate({
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    source: sql,
    rowLimit,
  });
  return run.id;
}

const csvUrl = (runId: string) => `${api.url}/runs/${runId}/result.csv`;

describe('GET /runs/:runId/result.csv', () => {
  it('streams the whole result to its owner as CSV, NULL apart from the empty string, with no row cap of its own', async () => {
    const runId = await startRun();
    const token = await stack.tokenFor(fixture.users.editor.email, 'csv reader');
    const res = await fetch(csvUrl(runId), { headers: { authorization: `Bearer ${token}` } });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${runId}.csv"`);
    const text = await res.text();
    const lines = text.split('\n');
    expect(lines[0]).toBe('id,status,nothing,empty,even,quoted');
    // Every row, each with its quoted multi-line field: two lines a row, and a final newline.
    expect(lines).toHaveLength(1 + ORDERS * 2 + 1);
    expect(lines[1]).toMatch(/^1,[a-z]+,,"",false,"say ""hi"", then$/);
    expect(lines[2]).toBe('leave"');
    expect(lines[3]).toMatch(/^2,[a-z]+,,"",true,"say/);
    expect(lines.at(-2)).toBe('leave"');
    expect(lines.at(-1)).toBe('');
    // Delivered as it was read: nothing of it stays in Quarry's database.
    const left = await database.sql`select count(*)::int as n from run_chunks where run_id = ${runId}`;
    expect(left[0]?.n).toBe(0);
  });

  it("answers not found to another member, even an Admin, and leaves the owner's result unread", async () => {
    const runId = await startRun('select id from orders order by id limit 10');
    for (const email of [fixture.users.admin.email, fixture.users.viewer.email]) {
      const cookie = await stack.signIn(email);
      const res = await fetch(csvUrl(runId), { headers: { cookie, 'sec-fetch-site': 'same-origin' } });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found.run');
    }
    const cookie = await stack.signIn(fixture.users.editor.email);
    const res = await fetch(csvUrl(runId), { headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect(res.status).toBe(200);
    expect((await res.text()).split('\n')).toEqual([
      'id',
      ...Array.from({ length: 10 }, (_, i) => `${i + 1}`),
      '',
    ]);
  });

  it('refuses a cookie request from another site before reading anything (reading delivers the result)', async () => {
    const runId = await startRun('select 1 as one');
    const cookie = await stack.signIn(fixture.users.editor.email);
    for (const headers of [
      { cookie, 'sec-fetch-site': 'cross-site' },
      { cookie, origin: 'https://evil.example' },
      { cookie },
    ]) {
      const res = await fetch(csvUrl(runId), { headers });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('auth.bad_origin');
    }
    const res = await fetch(csvUrl(runId), { headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect(await res.text()).toBe('one\n1\n');
  });

  it("prefixes ' to text a spreadsheet would run as a formula, and leaves numbers, NULL and '' exact", async () => {
    const runId = await startRun(`select * from (values
        ('=1+1', -5::int, -1.50::numeric, '-2e3'::float8, null::text, ''),
        ('plain', 7, 0.25, 1.5, '@SUM(A1)', E'\\t-x')
      ) as t("+name", i, d, f, n, e)`);
    const token = await stack.tokenFor(fixture.users.editor.email, 'csv formulas');
    const res = await fetch(csvUrl(runId), { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect((await res.text()).split('\n')).toEqual([
      "'+name,i,d,f,n,e",
      '\'=1+1,-5,-1.50,-2000,,""',
      "plain,7,0.25,1.5,'@SUM(A1),'\t-x",
      '',
    ]);
  });

  it('answers an anonymous request as unauthenticated and a run id of nothing as not found', async () => {
    const runId = await startRun('select 1 as one');
    const anonymous = await fetch(csvUrl(runId));
    expect(anonymous.status).toBe(401);
    const token = await stack.tokenFor(fixture.users.editor.email, 'csv none');
    const none = await fetch(csvUrl('run_nothing'), { headers: { authorization: `Bearer ${token}` } });
    expect(none.status).toBe(404);
  });

  it("answers a failed run with the run's own typed error and no body of rows", async () => {
    const runId = await startRun('select 1/0 as boom');
    const token = await stack.tokenFor(fixture.users.editor.email, 'csv failed');
    const res = await fetch(csvUrl(runId), { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error).toMatchObject({ code: 'sql.error' });
  });
});
