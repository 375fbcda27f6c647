import {
  type CryptoKey,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyIdToken } from './verify-id-token';

const ISSUER = 'https://idp.example';
const CLIENT_ID = 'quarry-client';
const NONCE = 'n-0S6_WzA2Mj';

type Signer = { alg: string; kid: string; privateKey: CryptoKey; jwk: JWK };
const signers: Record<string, Signer> = {};
let jwks: JSONWebKeySet;

async function signer(alg: string, kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

beforeAll(async () => {
  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA']) signers[alg] = await signer(alg, `key-${alg}`);
  signers.stranger = await signer('RS256', 'key-RS256');
  jwks = { keys: ['RS256', 'PS256', 'ES256', 'EdDSA'].map((alg) => signers[alg]?.jwk as JWK) };
});

const nowS = () => Math.floor(Date.now() / 1000);

const claims = (overrides: JWTPayload = {}): JWTPayload => ({
  iss: ISSUER,
  aud: CLIENT_ID,
  sub: 'user-123',
  iat: nowS(),
  exp: nowS() + 300,
  nonce: NONCE,
  email: 'ada@example.com',
  email_verified: true,
  name: 'Ada Lovelace',
  ...overrides,
});

async function sign(payload: JWTPayload, with_: Signer | undefined = signers.RS256): Promise<string> {
  if (!with_) throw new Error('no signer');
  return new SignJWT(payload).setProtectedHeader({ alg: with_.alg, kid: with_.kid }).sign(with_.privateKey);
}

const verify = (token: string, overrides: { nonce?: string; clientId?: string; issuer?: string } = {}) =>
  verifyIdToken(token, {
    issuer: overrides.issuer ?? ISSUER,
    clientId: overrides.clientId ?? CLIENT_ID,
    nonce: overrides.nonce ?? NONCE,
    keys: createLocalJWKSet(jwks),
  });

async function codeOf(token: Promise<string> | string, overrides = {}) {
  const result = await verify(await token, overrides);
  return result.ok
    ? 'ok'
    : `${result.error.code}${result.error.details ? `:${result.error.details.reason}` : ''}`;
}

describe('verifyIdToken', () => {
  it.each(['RS256', 'PS256', 'ES256', 'EdDSA'])('accepts a good token signed with %s', async (alg) => {
    const result = await verify(await sign(claims(), signers[alg]));
    expect(result).toEqual({
      ok: true,
      value: {
        issuer: ISSUER,
        subject: 'user-123',
        email: 'ada@example.com',
        emailVerified: true,
        name: 'Ada Lovelace',
      },
    });
  });

  it('refuses an expired token', async () => {
    const expired = sign(claims({ iat: nowS() - 900, exp: nowS() - 600 }));
    expect(await codeOf(expired)).toBe('sso.invalid_id_token:expired');
  });

  it('refuses a token without exp, even though jose checks exp only when present', async () => {
    expect(await codeOf(sign(claims({ exp: undefined })))).toBe('sso.invalid_id_token:claim_exp');
  });

  it('refuses an unsecured token (alg: none)', async () => {
    const none = new UnsecuredJWT(claims()).encode();
    expect(JSON.parse(Buffer.from(none.split('.')[0] ?? '', 'base64url').toString())).toEqual({
      alg: 'none',
    });
    expect(await codeOf(none)).toBe('sso.invalid_id_token:algorithm');
  });

  it('refuses a token MACed with HS256, such as one keyed with the client secret', async () => {
    const secret = new TextEncoder().encode('the-client-secret-that-is-long-enough-for-hs256');
    const hs256 = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    expect(await codeOf(hs256)).toBe('sso.invalid_id_token:algorithm');
  });

  it('refuses a token for another client (aud)', async () => {
    expect(await codeOf(sign(claims({ aud: 'another-client' })))).toBe('sso.invalid_id_token:audience');
  });

  it('refuses a token from another issuer (iss)', async () => {
    expect(await codeOf(sign(claims({ iss: 'https://evil.example' })))).toBe('sso.invalid_id_token:issuer');
  });

  it('refuses a token signed by a key outside the issuer’s JWKS, even with a known kid', async () => {
    expect(await codeOf(sign(claims(), signers.stranger))).toBe('sso.invalid_id_token:signature');
  });

  it('refuses a token with several audiences and no azp naming Quarry', async () => {
    expect(await codeOf(sign(claims({ aud: [CLIENT_ID, 'other'] })))).toBe(
      'sso.invalid_id_token:authorized_party',
    );
    expect(await codeOf(sign(claims({ aud: [CLIENT_ID, 'other'], azp: CLIENT_ID })))).toBe('ok');
    expect(await codeOf(sign(claims({ azp: 'other' })))).toBe('sso.invalid_id_token:authorized_party');
  });

  it('refuses a token whose nonce is not the one of this flow', async () => {
    expect(await codeOf(sign(claims({ nonce: 'someone-elses-nonce' })))).toBe('sso.nonce_mismatch');
    expect(await codeOf(sign(claims({ nonce: undefined })))).toBe('sso.nonce_mismatch');
  });

  it('refuses a token without a subject', async () => {
    expect(await codeOf(sign(claims({ sub: undefined })))).toBe('sso.invalid_id_token:claim_sub');
  });

  it('refuses garbage', async () => {
    expect(await codeOf('not.a.jwt')).toMatch(/^sso\.invalid_id_token:/);
  });

  it('treats only the JSON boolean true as a verified email', async () => {
    for (const email_verified of ['true', 1, undefined, false]) {
      const result = await verify(await sign(claims({ email_verified })));
      expect(result.ok && result.value.emailVerified).toBe(false);
    }
  });
});
