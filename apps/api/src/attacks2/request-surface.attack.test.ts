import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, FIXTURE_PASSWORD, parse, startAttackApi } from '../attacks/attack-helpers';

/**
 * Second attack round on the HTTP surface of the credential checks: forms a cross-site page can
 * send without a cookie (login CSRF), and the per-IP budget behind a trusted proxy (AUTH-6, AUTH-7).
 */
let h: ApiHarness;
let api: Awaited<ReturnType<typeof startAttackApi>>;
let proxied: Awaited<ReturnType<typeof startAttackApi>>;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  api = await startAttackApi(h);
  proxied = await startAttackApi(h, { QUARRY_TRUSTED_PROXIES: '127.0.0.1' });
});
afterAll(async () => {
  await proxied?.close();
  await api?.close();
  await h?.close();
});

describe('login CSRF: what a cross-site page can send with no cookie', () => {
  it('a multipart or url-encoded form POST to auth.signIn / invites.join signs nobody in', async () => {
    const email = h.a.users.guest.email;
    const forms: Array<[string, RequestInit]> = [];
    const fd = new FormData();
    fd.set('email', email);
    fd.set('password', FIXTURE_PASSWORD);
    forms.push(['multipart', { method: 'POST', body: fd }]);
    forms.push([
      'urlencoded',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email, password: FIXTURE_PASSWORD }).toString(),
      },
    ]);
    forms.push([
      'text/plain json',
      {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ json: { email, password: FIXTURE_PASSWORD } }),
      },
    ]);
    const answers: Record<string, string> = {};
    for (const [kind, init] of forms) {
      const headers = new Headers(init.headers);
      headers.set('sec-fetch-site', 'cross-site');
      headers.set('origin', 'https://evil.example');
      const answer = await parse(await fetch(`${api.url}/trpc/auth.signIn`, { ...init, headers }));
      answers[kind] = answer.setCookie.some((c) => c.startsWith('quarry_session=')) ? 'signed in' : 'refused';
    }
    expect(answers).toEqual({ multipart: 'refused', urlencoded: 'refused', 'text/plain json': 'refused' });
  });

  it('a JSON sign-in from another origin with no cookie (a page that uses fetch with CORS) gets no usable cross-origin answer', async () => {
    const response = await fetch(`${api.url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
      body: JSON.stringify({ json: { email: h.a.users.guest.email, password: FIXTURE_PASSWORD } }),
    });
    // No CORS grant: a browser would not even send this (preflight for application/json) unless
    // the API allowed it.
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    await response.text();
  });
});

describe('the per-IP budget behind a trusted proxy (AUTH-6)', () => {
  it('one IPv6 /64 spraying 60 accounts through the proxy: the attempts past 50 are refused', async () => {
    const answers: string[] = [];
    for (let i = 1; i <= 60; i++) {
      const answer = await call(
        proxied.url,
        'auth.signIn',
        { email: `spray-${i}@example.test`, password: 'Summer2025!' },
        // One attacker's /64: every address a host there can pick.
        { headers: { 'x-forwarded-for': `2001:db8:1:2::${i.toString(16)}` } },
      );
      answers.push(answer.error?.code ?? String(answer.status));
    }
    expect(
      answers.filter((c) => c === 'auth.rate_limited').length,
      'an IPv6 client chooses any of 2^64 source addresses: counting per address is no limit',
    ).toBeGreaterThanOrEqual(10);
  });
});
