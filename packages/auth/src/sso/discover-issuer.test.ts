import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:net';
import { EMPTY_ALLOW_LIST, parseAllowList } from '@quarry/net-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiscoveryFailure, discoverIssuer } from './discover-issuer';
import { discoveryUrlFor, isAcceptableProviderUrl } from './issuer-url';
import { metadataFor, type StubServer, sendJson, startStubServer } from './testing/stub-server';

let stub: StubServer;
const allowed = parseAllowList('127.0.0.1');
if (!allowed.ok) throw new Error(allowed.error.message);
/** The test provider lives on loopback, which configuration must allow (CONN-2). */
const loopback = { allowInsecureLoopback: true, allowPrivateHosts: allowed.value };
const WELL_KNOWN = '/.well-known/openid-configuration';

beforeAll(async () => {
  stub = await startStubServer();
});
afterAll(() => stub?.close());

describe('discoverIssuer', () => {
  it('reads the endpoints of an issuer whose document names it exactly', async () => {
    stub.route('GET', WELL_KNOWN, (_req, res) => sendJson(res, 200, metadataFor(stub.origin)));
    const found = await discoverIssuer(stub.origin, loopback);
    expect(found).toEqual({
      ok: true,
      value: {
        issuer: stub.origin,
        authorizationEndpoint: `${stub.origin}/authorize`,
        tokenEndpoint: `${stub.origin}/token`,
        jwksUri: `${stub.origin}/jwks`,
        issParameterSupported: false,
      },
    });
  });

  it('notes whether the provider names itself in authorization responses (RFC 9207)', async () => {
    stub.route('GET', WELL_KNOWN, (_req, res) =>
      sendJson(res, 200, {
        ...metadataFor(stub.origin),
        authorization_response_iss_parameter_supported: true,
      }),
    );
    const found = await discoverIssuer(stub.origin, loopback);
    expect(found.ok && found.value.issParameterSupported).toBe(true);
  });

  it('refuses a document whose issuer differs from the configured one (OIDC-1)', async () => {
    stub.route('GET', WELL_KNOWN, (_req, res) =>
      sendJson(res, 200, metadataFor('https://evil.example', stub.origin)),
    );
    const found = await discoverIssuer(stub.origin, loopback);
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.error.code).toBe('sso.issuer_mismatch');
    expect(found.error.details).toEqual({ expected: stub.origin, actual: 'https://evil.example' });
  });

  it('compares issuers exactly, so a trailing slash is a mismatch', async () => {
    stub.route('GET', WELL_KNOWN, (_req, res) => sendJson(res, 200, metadataFor(stub.origin)));
    const found = await discoverIssuer(`${stub.origin}/`, loopback);
    expect(!found.ok && found.error.code).toBe('sso.issuer_mismatch');
  });

  it.each([
    ['an HTTP error', (res: ServerResponse) => sendJson(res, 500, {})],
    ['a body that is not JSON', (res: ServerResponse) => res.end('<html>')],
    ['a JSON array', (res: ServerResponse) => sendJson(res, 200, [])],
    [
      'a document without a jwks_uri',
      (res: ServerResponse) => sendJson(res, 200, { ...metadataFor(stub.origin), jwks_uri: undefined }),
    ],
    [
      'a provider without PKCE S256',
      (res: ServerResponse) =>
        sendJson(res, 200, { ...metadataFor(stub.origin), code_challenge_methods_supported: ['plain'] }),
    ],
    [
      'a provider that signs identity tokens only with HS256',
      (res: ServerResponse) =>
        sendJson(res, 200, { ...metadataFor(stub.origin), id_token_signing_alg_values_supported: ['HS256'] }),
    ],
    [
      'a redirect (never followed)',
      (res: ServerResponse) => res.writeHead(302, { location: 'https://elsewhere.example/' }).end(),
    ],
  ])('answers sso.discovery_failed to %s', async (_name, handler) => {
    stub.route('GET', WELL_KNOWN, (_req, res) => handler(res));
    const found = await discoverIssuer(stub.origin, loopback);
    expect(!found.ok && found.error.code).toBe('sso.discovery_failed');
  });

  it('answers one generic message, without the HTTP status, and tells the log why', async () => {
    stub.route('GET', WELL_KNOWN, (_req, res) => sendJson(res, 503, {}));
    const heard: DiscoveryFailure[] = [];
    const found = await discoverIssuer(stub.origin, { ...loopback, onFailure: (d) => heard.push(d) });
    expect(found).toEqual({
      ok: false,
      error: {
        code: 'sso.discovery_failed',
        message: "Quarry could not read the identity provider's configuration",
        hint: expect.any(String),
      },
    });
    expect(JSON.stringify(found)).not.toContain('503');
    expect(heard).toEqual([{ issuer: stub.origin, reason: 'it answered HTTP 503' }]);
  });

  it('answers sso.discovery_failed when nothing listens', async () => {
    const found = await discoverIssuer('http://127.0.0.1:9', loopback);
    expect(!found.ok && found.error.code).toBe('sso.discovery_failed');
  });

  it('refuses a plain-http issuer, without fetching it, unless loopback http is allowed', async () => {
    const before = stub.requests.length;
    const found = await discoverIssuer(stub.origin, { ...loopback, allowInsecureLoopback: false });
    expect(!found.ok && found.error.code).toBe('sso.insecure_issuer');
    expect(stub.requests.length).toBe(before);
  });

  it('refuses an endpoint that is plain http on a public host', async () => {
    stub.route('GET', WELL_KNOWN, (_req, res) =>
      sendJson(res, 200, { ...metadataFor(stub.origin), token_endpoint: 'http://idp.example/token' }),
    );
    const found = await discoverIssuer(stub.origin, loopback);
    expect(!found.ok && found.error.code).toBe('sso.insecure_issuer');
  });
});

describe('provider URLs', () => {
  it.each([
    ['https://accounts.google.com', false, true],
    ['https://acme.okta.com/oauth2/default', false, true],
    ['http://idp.example', true, false],
    ['http://127.0.0.1:4000', true, true],
    ['http://localhost:4000', true, true],
    ['http://127.0.0.1:4000', false, false],
    ['https://user:pass@idp.example', false, false],
    ['https://idp.example/#frag', false, false],
    ['ftp://idp.example', true, false],
    ['not a url', true, false],
  ])('%s (loopback http allowed: %s) is acceptable: %s', (url, allowInsecureLoopback, expected) => {
    expect(isAcceptableProviderUrl(url, { allowInsecureLoopback })).toBe(expected);
  });

  it('appends the well-known path after removing one terminating slash', () => {
    expect(discoveryUrlFor('https://acme.okta.com/oauth2/default/')).toBe(
      'https://acme.okta.com/oauth2/default/.well-known/openid-configuration',
    );
    expect(discoveryUrlFor('https://accounts.google.com')).toBe(
      'https://accounts.google.com/.well-known/openid-configuration',
    );
  });
});

describe('discovery as an internal probe (issue 7, item 9)', () => {
  let listener: Server;
  let port = 0;
  let connections = 0;

  beforeAll(async () => {
    listener = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const address = listener.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

  // Loopback spellings point at the listener, which must see no connection. The others are refused
  // before any socket opens, so no packet leaves this machine.
  it.each([
    ['the metadata address', () => 'http://169.254.169.254'],
    ['loopback as one integer', () => `http://2130706433:${port}`],
    ['loopback in hex', () => `http://0x7f000001:${port}`],
    ['loopback in octal', () => `http://0177.0.0.1:${port}`],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${port}`],
    ['localhost', () => `http://localhost:${port}`],
    ['a private address', () => 'http://10.0.0.1'],
    ['the metadata host name', () => 'https://metadata.google.internal'],
    ['AWS IPv6 metadata', () => 'https://[fd00:ec2::254]'],
  ])('refuses %s with the generic error and contacts nothing', async (_name, issuerOf) => {
    const issuer = issuerOf();
    const heard: DiscoveryFailure[] = [];
    const found = await discoverIssuer(issuer, {
      allowInsecureLoopback: true,
      allowPrivateHosts: EMPTY_ALLOW_LIST,
      onFailure: (detail) => heard.push(detail),
    });
    expect(found).toEqual({
      ok: false,
      error: {
        code: 'sso.discovery_failed',
        message: "Quarry could not read the identity provider's configuration",
        hint: expect.any(String),
      },
    });
    expect(connections).toBe(0);
    expect(heard).toEqual([
      {
        issuer,
        reason: 'net.address_refused',
        address: expect.toSatisfy((a) => a === null || typeof a === 'string'),
      },
    ]);
  });

  it('refuses a document whose token endpoint or JWKS is internal', async () => {
    stub.route('GET', WELL_KNOWN, (_req, res) =>
      sendJson(res, 200, { ...metadataFor(stub.origin), jwks_uri: 'https://169.254.169.254/jwks' }),
    );
    const found = await discoverIssuer(stub.origin, loopback);
    expect(!found.ok && found.error.code).toBe('sso.discovery_failed');
  });

  it('still reads the allowed loopback provider', async () => {
    stub.route('GET', WELL_KNOWN, (_req, res) => sendJson(res, 200, metadataFor(stub.origin)));
    expect((await discoverIssuer(stub.origin, loopback)).ok).toBe(true);
  });
});
