import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeAuthorizationCode, TOKEN_REQUEST_TIMEOUT_MS } from './exchange-code';
import { type StubServer, sendJson, startStubServer } from './testing/stub-server';

let stub: StubServer;
beforeAll(async () => {
  stub = await startStubServer();
});
afterAll(() => stub?.close());

const exchange = (tokenEndpoint = `${stub.origin}/token`, timeoutMs?: number) =>
  exchangeAuthorizationCode({
    ...(timeoutMs ? { timeoutMs } : {}),
    tokenEndpoint,
    clientId: 'quarry-client',
    clientSecret: 's3cret',
    redirectUri: 'https://quarry.example/auth/sso/sso_abc/callback',
    code: 'the-code',
    codeVerifier: 'the-verifier',
  });

describe('exchangeAuthorizationCode', () => {
  it('sends the code, the PKCE verifier, the redirect URI and Basic client credentials', async () => {
    let seen: { body: URLSearchParams; authorization: string | undefined } | undefined;
    stub.route('POST', '/token', (req, res) => {
      seen = { body: new URLSearchParams(req.body), authorization: req.headers.authorization };
      sendJson(res, 200, { access_token: 'at', token_type: 'Bearer', id_token: 'header.payload.sig' });
    });
    expect(await exchange()).toEqual({ ok: true, value: { idToken: 'header.payload.sig' } });
    expect(Object.fromEntries(seen?.body ?? [])).toEqual({
      grant_type: 'authorization_code',
      code: 'the-code',
      code_verifier: 'the-verifier',
      redirect_uri: 'https://quarry.example/auth/sso/sso_abc/callback',
    });
    expect(seen?.authorization).toBe(`Basic ${Buffer.from('quarry-client:s3cret').toString('base64')}`);
  });

  it('answers sso.code_rejected with the OAuth error code when the provider refuses the code', async () => {
    stub.route('POST', '/token', (_req, res) =>
      sendJson(res, 400, { error: 'invalid_grant', error_description: 'grant request is invalid' }),
    );
    const result = await exchange();
    expect(!result.ok && result.error).toMatchObject({
      code: 'sso.code_rejected',
      details: { error: 'invalid_grant' },
    });
  });

  it('answers sso.invalid_id_token when the provider sends no identity token', async () => {
    stub.route('POST', '/token', (_req, res) =>
      sendJson(res, 200, { access_token: 'at', token_type: 'Bearer' }),
    );
    const result = await exchange();
    expect(!result.ok && result.error).toMatchObject({
      code: 'sso.invalid_id_token',
      details: { reason: 'missing' },
    });
  });

  it('answers sso.provider_unreachable when the token endpoint fails or is down', async () => {
    stub.route('POST', '/token', (_req, res) => sendJson(res, 503, {}));
    const failing = await exchange();
    expect(!failing.ok && failing.error.code).toBe('sso.provider_unreachable');
    const down = await exchange('http://127.0.0.1:9/token');
    expect(!down.ok && down.error.code).toBe('sso.provider_unreachable');
  });

  it('gives up on a token endpoint that accepts the connection and never answers: sso.provider_unreachable', async () => {
    // A loopback "provider" that takes the request and says nothing, holding the socket open.
    const held: Socket[] = [];
    const silent = createServer((socket) => {
      held.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const started = Date.now();
      const result = await exchange(`http://127.0.0.1:${port}/token`, 300);
      const waited = Date.now() - started;
      expect(!result.ok && result.error.code).toBe('sso.provider_unreachable');
      expect(waited).toBeGreaterThanOrEqual(250);
      // Far above 300 ms, for a loaded machine; yet below the 10 s default, so a given timeout that is
      // ignored still fails here (and no timeout at all hangs to the 30 s test timeout).
      expect(TOKEN_REQUEST_TIMEOUT_MS).toBeGreaterThan(8_000);
      expect(waited).toBeLessThan(8_000);
      expect(held.length).toBe(1);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
