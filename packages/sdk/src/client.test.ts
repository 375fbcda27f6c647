import { appRouter, createContext } from '@quarry/api';
import { type ApiHarness, createApiHarness, runnerLeavesResult, sqlCellIn } from '@quarry/api/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuarryClient, QuarryClientError } from './client';

let h: ApiHarness;
/** The SDK over a real router and database, with fetch answered in-process instead of over a socket. */
const inProcessFetch: typeof fetch = async (input, init) => {
  const req = new Request(input, init);
  return fetchRequestHandler({
    endpoint: '/trpc',
    req,
    router: appRouter,
    createContext: ({ resHeaders, info }) =>
      createContext({
        deps: h.deps,
        headers: req.headers,
        resHeaders,
        streams: info.isBatchCall && info.accept === 'application/jsonl',
        request: { ip: null, userAgent: null, requestId: 'sdk' },
      }),
  });
};

beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

describe('the SDK', () => {
  it('acts as the token’s owner and lists what they may open', async () => {
    const { token } = await h.withToken(h.a, 'viewer');
    const client = createQuarryClient({ url: 'http://quarry.test', token, fetch: inProcessFetch });
    const me = await client.api.auth.me.query();
    expect(me).toMatchObject({ userId: h.a.users.viewer.id, workspace: { role: 'viewer' } });
    const projects = await client.api.projects.list.query();
    expect(projects).toEqual([expect.objectContaining({ id: h.a.projectId, permission: 'can_view' })]);
    expect(projects[0]?.updatedAt).toBeInstanceOf(Date);
  });

  it('turns a refusal into a QuarryClientError with the code and reason', async () => {
    const { token } = await h.withToken(h.a, 'viewer');
    const client = createQuarryClient({ url: 'http://quarry.test', token, fetch: inProcessFetch });
    const error = await client
      .query({ projectId: h.a.projectId, cellId: h.a.cellId, sql: 'select 1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuarryClientError);
    expect((error as QuarryClientError).code).toMatch(/^access\./);
    expect((error as QuarryClientError).message).toMatch(/Can view/);
  });

  it('runs a query and reads its rows in one request, rows as the database wrote them', async () => {
    const { token } = await h.withToken(h.a, 'editor');
    const requests: string[] = [];
    const counting: typeof fetch = (input, init) => {
      requests.push(new URL(new Request(input, init).url).pathname);
      return inProcessFetch(input, init);
    };
    const client = createQuarryClient({ url: 'http://quarry.test', token, fetch: counting });
    const cellId = await sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
    const result = await client.query({ projectId: h.a.projectId, cellId, sql: 'select 9' });
    expect(result.run.status).toBe('queued');
    await runnerLeavesResult(h, h.a, result.run.id, ['9007199254740993', '']);
    const rows = [];
    for await (const row of result.rows) rows.push(row);
    expect(rows).toEqual([['9007199254740993'], ['']]);
    expect(result.columns()).toEqual([{ name: 'value', type: 'text', dbType: 'text' }]);
    expect(requests).toEqual(['/trpc/runs.query']);
  });

  it('says signed out for a token that is not one', async () => {
    const client = createQuarryClient({
      url: 'http://quarry.test',
      token: 'qry_not_a_token',
      fetch: inProcessFetch,
    });
    const error = await client
      .query({ projectId: h.a.projectId, cellId: h.a.cellId, sql: 'select 1' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'auth.signed_out',
      hint: 'Sign in again, or pass a valid API token',
    });
  });
});
