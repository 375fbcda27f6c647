import { createSession } from '@quarry/auth';
import type { TestDatabase, TestWarehouse, WorkspaceFixture } from '@quarry/db/testing';
import type { RunningWorker } from '@quarry/query-runner';
import { createQuarryClient, QuarryClientError } from '@quarry/sdk';
import { firstQuery } from '@quarry/sdk/examples/first-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from './server';
import { type ApiWithRunner, startApiWithRunner } from './testing/start-api-with-runner';

const PASSWORD = 'skeleton password 1';
let stack: ApiWithRunner;
let database: TestDatabase;
let warehouse: TestWarehouse;
let fixture: WorkspaceFixture;
let api: RunningApi;
let runner: RunningWorker;

beforeAll(async () => {
  stack = await startApiWithRunner({ orders: 20_000, password: PASSWORD });
  ({ database, warehouse, fixture, api, runner } = stack);
});

afterAll(() => stack?.stop());

const signIn = (email: string) => stack.signIn(email);
const tokenFor = (email: string) => stack.tokenFor(email, 'skeleton');

describe('the walking skeleton, from sign-in to streamed rows', () => {
  it('runs a query through the API, the queue and the runner, and streams every row back to the SDK', async () => {
    const client = createQuarryClient({ url: api.url, token: await tokenFor(fixture.users.editor.email) });
    const result = await client.query({
      projectId: fixture.projectId,
      cellId: fixture.cellId,
      sql: 'select id, status, total from orders order by id limit 12345',
      rowLimit: 20_000,
    });
    expect(result.run.status).toBe('queued');
    let count = 0;
    let firstId: unknown;
    for await (const row of result.rows) {
      if (count === 0) firstId = row[0];
      count += 1;
    }
    expect(count).toBe(12_345);
    expect(firstId).toBe('1');
    expect(result.columns().map((c) => [c.name, c.type])).toEqual([
      ['id', 'integer'],
      ['status', 'text'],
      ['total', 'decimal'],
    ]);
    const summary = await client.api.runs.get.query({ runId: result.run.id });
    expect(summary).toMatchObject({ status: 'succeeded', rowCount: 12_345, truncated: false });
    // Delivered chunks are gone: no row data stays behind in Quarry's database.
    const left =
      await database.sql`select count(*)::int as n from run_chunks where run_id = ${result.run.id}`;
    expect(left[0]?.n).toBe(0);
  });

  it("runs the README's SDK example and prints the rows", async () => {
    const lines: string[] = [];
    const rows = await firstQuery({
      url: api.url,
      token: await tokenFor(fixture.users.admin.email),
      print: (l) => lines.push(l),
    });
    expect(rows).toBeGreaterThanOrEqual(5);
    expect(lines[0]).toBe('status\torders\trevenue');
    expect(lines.at(-1)).toBe(`${rows} rows`);
  });

  it('marks a result truncated at the row limit', async () => {
    const client = createQuarryClient({ url: api.url, token: await tokenFor(fixture.users.editor.email) });
    const result = await client.query({
      projectId: fixture.projectId,
      cellId: fixture.cellId,
      sql: 'select * from orders',
      rowLimit: 2500,
    });
    let count = 0;
    for await (const _ of result.rows) count += 1;
    expect(count).toBe(2500);
    expect(await client.api.runs.get.query({ runId: result.run.id })).toMatchObject({
      status: 'succeeded',
      truncated: true,
    });
  });

  it("brings a SQL error back as a typed error with the database's message and position", async () => {
    const client = createQuarryClient({ url: api.url, token: await tokenFor(fixture.users.editor.email) });
    const result = await client.query({
      projectId: fixture.projectId,
      cellId: fixture.cellId,
      sql: 'select nosuchcolumn from orders',
    });
    const error = await (async () => {
      try {
        for await (const _ of result.rows) {
          // no rows expected
        }
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(QuarryClientError);
    expect(error).toMatchObject({
      code: 'sql.invalid_query',
      message: 'column "nosuchcolumn" does not exist',
    });
    expect((error as QuarryClientError).details).toMatchObject({ position: 8, sqlstate: '42703' });
  });

  it('keeps the connection password as ciphertext in the database', async () => {
    const rows = await database.sql<
      { credentials: Buffer; settings: Record<string, unknown> }[]
    >`select credentials, settings from connections where id = ${fixture.connectionId}`;
    const stored = rows[0]?.credentials;
    expect(stored).toBeInstanceOf(Buffer);
    expect(stored?.includes(Buffer.from(warehouse.reader.password))).toBe(false);
    expect(stored?.toString('latin1')).not.toContain(warehouse.reader.password);
    expect(stored?.[0]).toBe(1);
    expect(JSON.stringify(rows[0]?.settings)).not.toContain(warehouse.reader.password);
  });

  it('never sends a connection password in any API response', async () => {
    const cookie = await signIn(fixture.users.admin.email);
    for (const path of [
      `projects.list`,
      `projects.get?input=${encodeURIComponent(JSON.stringify({ json: { projectId: fixture.projectId } }))}`,
    ]) {
      const res = await fetch(`${api.url}/trpc/${path}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain(warehouse.reader.password);
    }
  });

  it("refuses another member's token on my run's stream", async () => {
    const mine = createQuarryClient({ url: api.url, token: await tokenFor(fixture.users.editor.email) });
    const theirs = createQuarryClient({ url: api.url, token: await tokenFor(fixture.users.manager.email) });
    const result = await mine.query({
      projectId: fixture.projectId,
      cellId: fixture.cellId,
      sql: 'select 1',
    });
    await expect(theirs.api.runs.get.query({ runId: result.run.id })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
    for await (const _ of result.rows) {
      // drain mine
    }
  });

  it('refuses a run from a caller with an expired session', async () => {
    const stale = await createSession(database.db, {
      userId: fixture.users.editor.id,
      workspaceId: fixture.workspaceId,
      now: new Date(Date.now() - 31 * 24 * 60 * 60 * 1000),
    });
    const res = await fetch(`${api.url}/trpc/runs.start`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `quarry_session=${stale.token}`,
        'sec-fetch-site': 'same-origin',
      },
      body: JSON.stringify({
        json: { projectId: fixture.projectId, cellId: fixture.cellId, source: 'select 1' },
      }),
    });
    expect(res.status).toBe(401);
    expect(
      ((await res.json()) as { error: { json: { data: { quarry: { code: string } } } } }).error.json.data
        .quarry.code,
    ).toBe('auth.signed_out');
  });
});

describe('the HTTP edge', () => {
  it('answers /healthz and /readyz on the API and the runner', async () => {
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${api.url}/readyz`);
    expect(await ready.json()).toEqual({ ok: true, database: true, queue: true });
    expect((await fetch(`${runner.healthUrl}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${runner.healthUrl}/readyz`)).json()).toMatchObject({
      ok: true,
      state: 'running',
    });
  });

  it('refuses a cookie-carrying mutation from another origin (AUTH-5)', async () => {
    const cookie = await signIn(fixture.users.editor.email);
    for (const headers of [
      { origin: 'https://evil.example' },
      {},
      { 'sec-fetch-site': 'cross-site', origin: 'http://localhost.evil.example' },
    ]) {
      const res = await fetch(`${api.url}/trpc/runs.start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, ...headers },
        body: JSON.stringify({
          json: { projectId: fixture.projectId, cellId: fixture.cellId, source: 'select 1' },
        }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('auth.bad_origin');
    }
    const runs =
      await database.sql`select count(*)::int as n from runs where source = 'select 1' and owner_id = ${fixture.users.editor.id}`;
    expect(runs[0]?.n).toBeLessThanOrEqual(1);
  });

  it('sends security headers and a request id with every response', async () => {
    const res = await fetch(`${api.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
