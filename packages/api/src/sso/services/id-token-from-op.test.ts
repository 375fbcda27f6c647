import { sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ALLOWED_PRIVATE_HOSTS } from '../../testing/harness';
import { startTestOp, type TestOp } from '../testing/oidc-test-provider';
import { createIssuerCache, verifyIdToken } from './auth-sso';

let op: TestOp;
beforeAll(async () => {
  op = await startTestOp();
});
afterAll(() => op?.close());

const nowS = () => Math.floor(Date.now() / 1000);

/** An RS256 token signed with the provider's own key: genuine but for the claims we choose. */
function signedByOp(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', kid: op.signingKey.kid, typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), op.signingKey.privateKey).toString('base64url')}`;
}

async function verifyAgainstOp(claims: Record<string, unknown>) {
  const cache = createIssuerCache();
  const client = await cache.get(op.issuer, {
    allowInsecureLoopback: true,
    allowPrivateHosts: TEST_ALLOWED_PRIVATE_HOSTS,
  });
  if (!client.ok) throw new Error(client.error.message);
  const result = await verifyIdToken(signedByOp(claims), {
    issuer: op.issuer,
    clientId: 'quarry',
    nonce: 'the-nonce',
    keys: client.value.keys,
  });
  return result.ok ? 'ok' : `${result.error.code}:${result.error.details?.reason ?? ''}`;
}

const good = () => ({
  iss: op.issuer,
  aud: 'quarry',
  sub: 'alice',
  iat: nowS(),
  exp: nowS() + 300,
  nonce: 'the-nonce',
  email: 'alice@acme.test',
  email_verified: true,
});

describe('identity tokens checked against the real provider’s JWKS', () => {
  it('accepts a token the provider’s key signed for Quarry', async () => {
    expect(await verifyAgainstOp(good())).toBe('ok');
  });

  it('refuses a token the provider’s key signed for another client (aud)', async () => {
    expect(await verifyAgainstOp({ ...good(), aud: 'another-client' })).toBe('sso.invalid_id_token:audience');
  });

  it('refuses an expired token the provider’s key signed', async () => {
    expect(await verifyAgainstOp({ ...good(), iat: nowS() - 900, exp: nowS() - 600 })).toBe(
      'sso.invalid_id_token:expired',
    );
  });
});
