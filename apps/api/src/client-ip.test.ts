import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrustedProxies, resolveClientIp } from './client-ip';
import { loadEnv } from './env';
import { FIXTURE_PASSWORD, startTestApi, type TestApi } from './testing/start-test-api';

const proxies = (value: string) => parseTrustedProxies(value).proxies;

describe('resolveClientIp', () => {
  it.each([
    { peer: '198.51.100.9', xff: '203.0.113.7', trusted: '', ip: '198.51.100.9' },
    { peer: '198.51.100.9', xff: '203.0.113.7', trusted: '10.0.0.0/8', ip: '198.51.100.9' },
    { peer: '10.0.0.2', xff: '203.0.113.7', trusted: '10.0.0.0/8', ip: '203.0.113.7' },
    { peer: '::ffff:10.0.0.2', xff: '203.0.113.7', trusted: '10.0.0.2', ip: '203.0.113.7' },
    // The client wrote the left-most entry itself; the proxy appended the real address.
    { peer: '10.0.0.2', xff: '1.1.1.1, 203.0.113.7', trusted: '10.0.0.2', ip: '203.0.113.7' },
    { peer: '10.0.0.2', xff: '1.1.1.1, 203.0.113.7, 10.0.0.3', trusted: '10.0.0.0/8', ip: '203.0.113.7' },
    { peer: '10.0.0.2', xff: 'not-an-ip', trusted: '10.0.0.2', ip: '10.0.0.2' },
    { peer: '10.0.0.2', xff: '', trusted: '10.0.0.2', ip: '10.0.0.2' },
    { peer: 'fd00::1', xff: '2001:db8::7', trusted: 'fd00::/8', ip: '2001:db8::7' },
  ])(
    'from $peer with X-Forwarded-For "$xff", trusting "$trusted", sees $ip',
    ({ peer, xff, trusted, ip }) => {
      expect(resolveClientIp({ peer, forwardedFor: xff || null, proxies: proxies(trusted) })).toBe(ip);
    },
  );

  it('names the entries of QUARRY_TRUSTED_PROXIES that are not addresses or ranges, and refuses to start', () => {
    expect(parseTrustedProxies('10.0.0.1, 10.0.0.0/33, example.com, fd00::/8, 1.2.3.4/8/1').invalid).toEqual([
      '10.0.0.0/33',
      'example.com',
      '1.2.3.4/8/1',
    ]);
    expect(() =>
      loadEnv({
        DATABASE_URL: 'postgres://x@localhost/x',
        QUARRY_MASTER_KEY: 'k',
        QUARRY_TRUSTED_PROXIES: '10.0.0.0/33',
      }),
    ).toThrow(/QUARRY_TRUSTED_PROXIES: not an IP address or CIDR range: 10\.0\.0\.0\/33/);
  });
});

describe('X-Forwarded-For over HTTP', () => {
  let h: ApiHarness;
  let direct: TestApi;
  let behindProxy: TestApi;

  beforeAll(async () => {
    h = await createApiHarness({ orders: 10 });
    direct = await startTestApi(h);
    // The test client connects from 127.0.0.1: here that address is the trusted proxy.
    behindProxy = await startTestApi(h, { QUARRY_TRUSTED_PROXIES: '127.0.0.1' });
  });
  afterAll(async () => {
    await direct?.close();
    await behindProxy?.close();
    await h?.close();
  });

  const signInFrom = async (api: TestApi, email: string, forwardedFor: string) => {
    const res = await api.mutate(
      'auth.signIn',
      { email, password: FIXTURE_PASSWORD },
      { 'x-forwarded-for': forwardedFor },
    );
    expect(res.status).toBe(200);
    const [session] = await h.database.sql<{ ip: string | null }[]>`
      select s.ip from sessions s join users u on u.id = s.user_id
      where u.email = ${email} order by s.created_at desc limit 1`;
    return session?.ip;
  };

  it('ignores a spoofed X-Forwarded-For from a peer that is not a trusted proxy (the default)', async () => {
    expect(await signInFrom(direct, h.a.users.editor.email, '203.0.113.7')).toBe('127.0.0.1');
  });

  it('takes the client address from X-Forwarded-For when the peer is a listed proxy', async () => {
    expect(await signInFrom(behindProxy, h.a.users.viewer.email, '198.51.100.1, 203.0.113.8')).toBe(
      '203.0.113.8',
    );
  });

  it('counts sign-in attempts against the forwarded address, not the proxy’s', async () => {
    await behindProxy.mutate(
      'auth.signIn',
      { email: h.b.users.viewer.email, password: 'a wrong guess' },
      { 'x-forwarded-for': '203.0.113.9' },
    );
    const audit = await h.database.sql<{ ip: string | null }[]>`
      select ip from audit_events where action = 'auth.sign_in' and outcome = 'failure' order by seq desc limit 1`;
    expect(audit[0]?.ip).toBe('203.0.113.9');
  });
});
