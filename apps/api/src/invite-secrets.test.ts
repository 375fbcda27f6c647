import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactPath } from './redact-path';
import { FIXTURE_PASSWORD, startTestApi, type TestApi } from './testing/start-test-api';

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

type Ok<T> = { result: { data: { json: T } } };

describe('invite secrets stay out of URLs and logs (AUTH-8)', () => {
  it('runs a whole invite flow over HTTP without the secret in any log line or URL', async () => {
    const signedIn = await api.mutate('auth.signIn', {
      email: h.a.users.admin.email,
      password: FIXTURE_PASSWORD,
    });
    expect(signedIn.status).toBe(200);
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

    const created = await api.mutate(
      'invites.create',
      { email: 'log-scan@example.test', role: 'editor' },
      { cookie },
    );
    expect(created.status).toBe(200);
    const { link } = ((await created.json()) as Ok<{ link: string }>).result.data.json;
    // The secret is in the fragment, which a browser never sends to any server.
    const [, token = '', secret = ''] = /^\/invite#(inv_[a-z2-7]+\.([a-z2-7]+))$/.exec(link) ?? [];
    expect(secret).toHaveLength(52);

    // What a browser does with the link: load the SPA's shell at /invite (no secret in the request),
    // then preview and accept with the token in POST bodies.
    await fetch(`${api.url}${link}`);
    const preview = await api.mutate('invites.preview', { token });
    expect(preview.status).toBe(200);
    expect(((await preview.json()) as Ok<{ email: string }>).result.data.json.email).toBe(
      'log-scan@example.test',
    );
    const accepted = await api.mutate('invites.accept', {
      token,
      name: 'Log Scan',
      password: 'a long new password',
    });
    expect(accepted.status).toBe(200);
    // A link of the old form still reaches the server: the log redacts it.
    await fetch(`${api.url}/invite/${token}`);

    const requests = api.logLines.filter((line) => line.includes('"msg":"request"'));
    expect(requests.length).toBeGreaterThanOrEqual(6);
    expect(requests.some((line) => line.includes('"path":"/invite/[redacted]"'))).toBe(true);
    for (const line of api.logLines) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain('a long new password');
    }
  });

  it('refuses invites.preview as a GET, so the token can never be put in a query string', async () => {
    const input = encodeURIComponent(
      JSON.stringify({ json: { token: `inv_${'a'.repeat(16)}.${'b'.repeat(16)}` } }),
    );
    const res = await fetch(`${api.url}/trpc/invites.preview?input=${input}`);
    expect(res.status).toBe(405);
    const lines = api.logLines.filter((line) => line.includes('invites.preview'));
    for (const line of lines) expect(line).not.toContain('bbbbbbbbbbbbbbbb');
  });
});

describe('redactPath', () => {
  it.each([
    ['/invite/inv_abcdefghijklmnop.abcdefghijklmnopqrstuvwxyz234567', '/invite/[redacted]'],
    ['/invite/anything/at/all', '/invite/[redacted]'],
    ['/somewhere/inv_abcdefghijklmnop.abcdefghijklmnopqrstuvwxyz234567/x', '/somewhere/[redacted]/x'],
    ['/trpc/auth.signIn,auth.me', '/trpc/auth.signIn,auth.me'],
    ['/projects/prj_abc', '/projects/prj_abc'],
  ])('logs %s as %s', (path, logged) => {
    expect(redactPath(path)).toBe(logged);
  });
});
