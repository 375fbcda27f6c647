import { randomUUID } from 'node:crypto';
import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInOverHttp, startAttackApi } from '../attacks/attack-helpers';
import type { TestApi } from '../testing/start-test-api';

let h: ApiHarness;
let api: TestApi & { quarry: string };

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  api = await startAttackApi(h);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await h?.close();
});

describe('secret values sent the wrong way never reach the request log (AUTH-8)', () => {
  it('logs and answers no value from a mutation sent as GET, a refused body, a batch, or an unknown procedure', async () => {
    const cookie = await signInOverHttp(api.url, { email: h.a.users.admin.email });
    const value = randomUUID();
    const password = randomUUID();
    const headers = { cookie, 'sec-fetch-site': 'same-origin' };
    const asQuery = (path: string, input: unknown) =>
      fetch(`${api.url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, {
        headers,
      });
    const asPost = (path: string, body: string) =>
      fetch(`${api.url}/trpc/${path}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      });
    const answers = await Promise.all([
      asQuery('secrets.create', { name: 'via_get', value }),
      asQuery('connections.testNew', {
        kind: 'postgres',
        settings: { host: 'db.example.com' },
        secrets: { password },
      }),
      asPost('secrets.create', JSON.stringify({ json: { name: '-not a name', value } })),
      asPost('secrets.create', `{"json":{"name":"broken","value":"${value}"`),
      asPost(
        'connections.create',
        JSON.stringify({
          json: { name: 'x', kind: 'postgres', settings: { port: password }, secrets: { password } },
        }),
      ),
      asPost(
        `secrets.create,secrets.nope?batch=1`,
        JSON.stringify({ 0: { json: { name: 'b', value: value.repeat(1000) } }, 1: { json: { value } } }),
      ),
      asPost('secrets.nope', JSON.stringify({ json: { value } })),
    ]);
    const bodies = await Promise.all(answers.map((a) => a.text()));
    for (const body of bodies) {
      expect(body).not.toContain(value);
      expect(body).not.toContain(password);
    }
    // Nothing was created on the way.
    expect((await (await h.as(h.a, 'admin')).secrets.list()).map((s) => s.name)).not.toContain('via_get');
    const log = api.logLines.join('\n');
    expect(log).not.toContain(value);
    expect(log).not.toContain(password);
  });
});
