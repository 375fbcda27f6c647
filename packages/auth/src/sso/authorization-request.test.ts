import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuthorizationRequest } from './authorization-request';

const input = {
  authorizationEndpoint: 'https://idp.example/authorize?tenant=acme',
  clientId: 'quarry-client',
  redirectUri: 'https://quarry.example/auth/sso/sso_abc/callback',
};

describe('createAuthorizationRequest', () => {
  it('asks for a code with PKCE S256, state, nonce and the openid email profile scopes', () => {
    const request = createAuthorizationRequest(input);
    const params = request.url.searchParams;
    expect(request.url.origin + request.url.pathname).toBe('https://idp.example/authorize');
    expect(params.get('tenant')).toBe('acme');
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe('quarry-client');
    expect(params.get('redirect_uri')).toBe(input.redirectUri);
    expect(params.get('scope')).toBe('openid email profile');
    expect(params.get('state')).toBe(request.state);
    expect(params.get('nonce')).toBe(request.nonce);
    expect(params.get('code_challenge_method')).toBe('S256');
    const challenge = createHash('sha256').update(request.codeVerifier).digest('base64url');
    expect(params.get('code_challenge')).toBe(challenge);
    expect(request.url.toString()).not.toContain(request.codeVerifier);
  });

  it('draws a fresh 256-bit state, nonce and verifier every time', () => {
    const a = createAuthorizationRequest(input);
    const b = createAuthorizationRequest(input);
    for (const value of [a.state, a.nonce, a.codeVerifier]) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.state, a.nonce, a.codeVerifier, b.state, b.nonce, b.codeVerifier]).size).toBe(6);
  });
});
