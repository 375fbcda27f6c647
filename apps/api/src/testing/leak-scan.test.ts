import { randomUUID } from 'node:crypto';
import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { TEST_READER_PASSWORD } from '@quarry/db/testing';
import { leakScan } from '@quarry/leak-scan';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PASSWORD, startTestApi, type TestApi } from './start-test-api';

// Proves the real HTTP server feeds the leak scan (issue 9 item 4): a credential in a /trpc answer
// a test fetched is reported by route; the API's own log lines reach it too.
let h: ApiHarness;
let api: TestApi;
beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  api = await startTestApi(h);
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

describe('the test API and the leak scan', () => {
  it('reports the fixture warehouse password in a response a test fetched, by route', async () => {
    const signIn = await api.mutate('auth.signIn', {
      email: h.a.users.editor.email,
      password: FIXTURE_PASSWORD,
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const get = () =>
      fetch(
        `${api.url}/trpc/projects.get?input=${encodeURIComponent(JSON.stringify({ json: { projectId: h.a.projectId } }))}`,
        {
          headers: { cookie },
        },
      );
    expect((await get()).status).toBe(200);
    expect(await leakScan().takeLeaks()).toEqual([]);
    // A crafted response: the password written straight into the cell, so projects.get carries it.
    const [before] = await h.database.sql<{ source: string }[]>`
      select source from cells where id = ${h.a.cellId}`;
    await h.database.sql`
      update cells set source = ${`select '${TEST_READER_PASSWORD}' as leaked`} where id = ${h.a.cellId}`;
    try {
      const res = await get();
      expect(await res.text()).toContain(TEST_READER_PASSWORD);
    } finally {
      await h.database.sql`update cells set source = ${before?.source ?? ''} where id = ${h.a.cellId}`;
    }
    expect((await leakScan().takeLeaks()).map((leak) => [leak.where, leak.origin])).toEqual([
      ['response:/trpc/projects.get', 'connection.credentials'],
    ]);
  });

  it("hands the API's log lines to the scan as they are written", async () => {
    // The request log line carries the caller's x-request-id: a registered value sent there shows
    // that each line reaches the scan (a header is input; its echo in the log is what is reported).
    const requestId = randomUUID();
    leakScan().registerSecret(requestId, 'secret.value');
    await fetch(`${api.url}/healthz`, { headers: { 'x-request-id': requestId } });
    expect(api.logLines.some((line) => line.includes(requestId))).toBe(true);
    const leaks = await leakScan().takeLeaks();
    expect(leaks.map((leak) => leak.where)).toContain('log:api');
  });
});
