import { parseAllowList } from '@quarry/net-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerCache } from './issuer-cache';
import { metadataFor, type StubServer, sendJson, startStubServer } from './testing/stub-server';

let stub: StubServer;
const WELL_KNOWN = '/.well-known/openid-configuration';
const allowed = parseAllowList('127.0.0.1');
if (!allowed.ok) throw new Error(allowed.error.message);
const loopback = { allowInsecureLoopback: true, allowPrivateHosts: allowed.value };
const discoveries = () => stub.requests.filter((r) => r === `GET ${WELL_KNOWN}`).length;

beforeAll(async () => {
  stub = await startStubServer();
});
afterAll(() => stub?.close());

describe('the issuer cache', () => {
  it('discovers an issuer once per TTL, and again once the TTL has passed', async () => {
    stub.route('GET', WELL_KNOWN, (_req, res) => sendJson(res, 200, metadataFor(stub.origin)));
    let clock = 1_000_000;
    const cache = createIssuerCache({ ttlMs: 60_000, now: () => clock });
    const before = discoveries();
    const [a, b] = await Promise.all([cache.get(stub.origin, loopback), cache.get(stub.origin, loopback)]);
    expect(a.ok && b.ok).toBe(true);
    expect(await cache.get(stub.origin, loopback)).toBe(a);
    expect(discoveries() - before).toBe(1);
    clock += 60_001;
    expect((await cache.get(stub.origin, loopback)).ok).toBe(true);
    expect(discoveries() - before).toBe(2);
  });

  it('does not cache a failure', async () => {
    const cache = createIssuerCache();
    stub.route('GET', WELL_KNOWN, (_req, res) => sendJson(res, 503, {}));
    expect((await cache.get(stub.origin, loopback)).ok).toBe(false);
    stub.route('GET', WELL_KNOWN, (_req, res) => sendJson(res, 200, metadataFor(stub.origin)));
    expect((await cache.get(stub.origin, loopback)).ok).toBe(true);
  });

  it('forgets an issuer on request', async () => {
    stub.route('GET', WELL_KNOWN, (_req, res) => sendJson(res, 200, metadataFor(stub.origin)));
    const cache = createIssuerCache();
    const first = await cache.get(stub.origin, loopback);
    cache.forget(stub.origin);
    expect(await cache.get(stub.origin, loopback)).not.toBe(first);
  });
});
