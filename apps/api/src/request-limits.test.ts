import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { MAX_CALLS_PER_REQUEST } from '@quarry/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_PROCEDURES, callLimitRefusal, proceduresOf } from './request-limits';
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

type Refusal = { error: { code: string; message: string; hint?: string } };
type TrpcError = {
  error: { json: { message: string; data: { quarry: { code: string; message: string; hint?: string } } } };
};

/** A batched POST, as tRPC's batch link sends it: `/trpc/a,b?batch=1` with `{ "0": { json }, … }`. */
function batch(calls: Array<[path: string, input: unknown]>, headers: Record<string, string> = {}) {
  const body = Object.fromEntries(calls.map(([, input], i) => [String(i), { json: input }]));
  return fetch(`${api.url}/trpc/${calls.map(([path]) => path).join(',')}?batch=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...headers },
    body: JSON.stringify(body),
  });
}

const count = async (table: 'sign_in_attempts' | 'audit_events' | 'sessions') =>
  (await h.database.sql<{ n: number }[]>`select count(*)::int as n from ${h.database.sql(table)}`)[0]?.n;

describe('proceduresOf', () => {
  it.each([
    ['/trpc/auth.signIn', ['auth.signIn']],
    ['/trpc/auth.signIn,auth.signIn?batch=1', ['auth.signIn', 'auth.signIn']],
    ['/trpc/auth.signIn%2Cauth.signIn?batch=1', ['auth.signIn', 'auth.signIn']],
    ['/trpc/auth.signIn,auth.signIn', ['auth.signIn,auth.signIn']],
    ['/trpc/a,b/?batch=1', ['a', 'b']],
    ['/trpc/%E0%A4%A?batch=1', null],
  ])('reads %s as tRPC does', (path, procedures) => {
    expect(proceduresOf(new URL(path, 'http://x'))).toEqual(procedures);
  });

  it('allows one credential check among other calls, up to the cap', () => {
    const calls = ['auth.signIn', ...Array(MAX_CALLS_PER_REQUEST - 1).fill('auth.me')];
    expect(callLimitRefusal(calls)).toBeNull();
    for (const credential of CREDENTIAL_PROCEDURES)
      expect(callLimitRefusal([credential, 'invites.accept'])?.code).toBe('request.credential_batch');
  });
});

describe('a batch of sign-in guesses in one HTTP request', () => {
  it('refuses 60 auth.signIn calls in one request before evaluating any, even with the right password among them', async () => {
    const [attempts, audit, sessions] = [
      await count('sign_in_attempts'),
      await count('audit_events'),
      await count('sessions'),
    ];
    const email = h.a.users.editor.email;
    const guesses: Array<[string, unknown]> = Array.from({ length: 60 }, (_, i) => [
      'auth.signIn',
      { email, password: i === 59 ? FIXTURE_PASSWORD : `guess number ${i}` },
    ]);

    const res = await batch(guesses);

    expect(res.status).toBe(400);
    expect(res.headers.get('set-cookie')).toBeNull();
    const body = (await res.json()) as Refusal;
    expect(body.error).toEqual({
      code: 'request.batch_too_large',
      message: `One request carries at most ${MAX_CALLS_PER_REQUEST} calls; this one had 60`,
      hint: expect.stringContaining(`at most ${MAX_CALLS_PER_REQUEST} calls`),
    });
    expect(await count('sign_in_attempts')).toBe(attempts);
    expect(await count('audit_events')).toBe(audit);
    expect(await count('sessions')).toBe(sessions);
  });

  it('refuses two credential checks in one request, the right password second, and evaluates neither', async () => {
    const [attempts, audit, sessions] = [
      await count('sign_in_attempts'),
      await count('audit_events'),
      await count('sessions'),
    ];
    const email = h.a.users.editor.email;

    const res = await batch([
      ['auth.signIn', { email, password: 'a wrong guess' }],
      ['auth.signIn', { email, password: FIXTURE_PASSWORD }],
    ]);

    expect(res.status).toBe(400);
    expect(((await res.json()) as Refusal).error.code).toBe('request.credential_batch');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await count('sign_in_attempts')).toBe(attempts);
    expect(await count('audit_events')).toBe(audit);
    expect(await count('sessions')).toBe(sessions);
  });

  it('refuses a sign-in batched with an invitation acceptance', async () => {
    const res = await batch([
      ['auth.signIn', { email: h.a.users.editor.email, password: 'a wrong guess' }],
      ['invites.accept', { token: `inv_${'a'.repeat(16)}.bbbb`, name: 'X', password: 'long enough' }],
    ]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as Refusal).error.code).toBe('request.credential_batch');
  });

  it('refuses 11 harmless calls in one request, and answers 10', async () => {
    const eleven = Array.from({ length: 11 }, () => 'sso.signInOptions');
    const over = await fetch(`${api.url}/trpc/${eleven.join(',')}?batch=1`);
    expect(over.status).toBe(400);
    expect(((await over.json()) as Refusal).error.code).toBe('request.batch_too_large');

    const ten = await fetch(`${api.url}/trpc/${eleven.slice(1).join(',')}?batch=1`);
    expect(ten.status).toBe(200);
    expect((await ten.json()) as unknown[]).toHaveLength(10);
  });

  it('still signs in with one auth.signIn per request', async () => {
    const res = await batch([['auth.signIn', { email: h.a.users.viewer.email, password: FIXTURE_PASSWORD }]]);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^quarry_session=/);
  });
});

describe('the request body limit on /trpc', () => {
  it('refuses a 5 MB sign-in with 413 before reading it, and keeps answering /healthz', async () => {
    const before = await count('sign_in_attempts');
    const body = JSON.stringify({ json: { email: 'a@example.test', password: 'x'.repeat(5 * 1024 * 1024) } });

    const res = await fetch(`${api.url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body,
    });

    expect(res.status).toBe(413);
    expect(((await res.json()) as Refusal).error).toMatchObject({ code: 'request.too_large' });
    expect(await count('sign_in_attempts')).toBe(before);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });

  it('refuses a 5 MB body sent in chunks without a length', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 80) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${api.url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as Refusal).error.code).toBe('request.too_large');
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });
});

describe('unbounded strings', () => {
  it('answers a 3 kB email at sign-in with input.invalid (400), counts nothing, and logs none of the input', async () => {
    const email = `${'long'.repeat(750)}@example.test`;
    const password = `pw-${'z'.repeat(20)}-unlogged`;
    const before = await count('sign_in_attempts');

    const res = await api.mutate('auth.signIn', { email, password });

    expect(res.status).toBe(400);
    const body = (await res.json()) as TrpcError;
    expect(body.error.json.data.quarry).toMatchObject({
      code: 'input.invalid',
      message: 'Email addresses have at most 254 characters',
    });
    expect(await count('sign_in_attempts')).toBe(before);
    const log = api.logLines.join('\n');
    expect(log).toContain('"path":"/trpc/auth.signIn"');
    expect(log).not.toContain('longlong');
    expect(log).not.toContain(password);
    expect(log).not.toContain('"level":50');
  });
});

describe('parser internals in errors', () => {
  const forbidden = ['Unexpected', 'Expected', 'position', 'call stack', 'node_modules', '.ts:'];

  it('answers a malformed body with a fixed typed error and no parser text', async () => {
    const res = await fetch(`${api.url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: '{"json": {"email": "a@example.test", "password": "secret-in-a-broken-body"',
    });
    const text = await res.text();
    expect(res.status).toBe(400);
    const body = JSON.parse(text) as TrpcError;
    expect(body.error.json.data.quarry).toEqual({
      code: 'request.parse_error',
      message: 'The request could not be read',
      hint: 'Send valid JSON',
    });
    expect(body.error.json.message).toBe('The request could not be read');
    for (const leak of forbidden) expect(text).not.toContain(leak);
    // The log keeps the reason, without the body it quoted.
    const refused = api.logLines.filter((l) => l.includes('"msg":"request refused"')).join('\n');
    expect(refused).toContain('after property value in JSON');
    expect(api.logLines.join('\n')).not.toContain('secret-in-a-broken-body');
  });

  it('answers a 10,000-deep nested JSON body with a typed error and no "Maximum call stack size exceeded"', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    for (const body of [
      // superjson walks its `meta` recursively: this one overflowed the stack and said so.
      `{"json": {"email": "a@example.test", "password": "x"}, "meta": {"values": ${deep}}}`,
      `{"json": {"email": ${deep}, "password": "x"}}`,
    ]) {
      const res = await fetch(`${api.url}/trpc/auth.signIn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
        body,
      });
      const text = await res.text();
      expect(res.status).toBe(400);
      const { quarry } = (JSON.parse(text) as TrpcError).error.json.data;
      expect(['request.parse_error', 'input.invalid']).toContain(quarry.code);
      for (const leak of forbidden) expect(text).not.toContain(leak);
    }
    expect(api.logLines.join('\n')).toContain('Maximum call stack size exceeded');
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });

  it('answers an unknown procedure with a fixed message', async () => {
    const res = await api.mutate('nothing.here%3Cscript%3E', {});
    const text = await res.text();
    expect(res.status).toBe(404);
    expect((JSON.parse(text) as TrpcError).error.json.data.quarry).toEqual({
      code: 'request.not_found',
      message: 'No such procedure',
      hint: 'Check the procedure name, or update the client',
    });
    expect((JSON.parse(text) as TrpcError).error.json.message).toBe('No such procedure');
  });
});
