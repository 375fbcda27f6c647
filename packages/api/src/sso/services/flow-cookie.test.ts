import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  clearFlowCookie,
  flowCookieName,
  openFlow,
  readFlowCookie,
  type SsoFlow,
  sealFlow,
  serializeFlowCookie,
} from './flow-cookie';

let vault: Vault;
beforeAll(() => {
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
});

const flow: SsoFlow = {
  providerId: 'sso_aaaaaaaaaaaaaaaa',
  state: 'state-value-1234567890',
  nonce: 'nonce-value-1234567890',
  codeVerifier: 'verifier-value-1234567890',
  expiresAt: 1_900_000_000_000,
};
const workspaceId = 'wsp_aaaaaaaaaaaaaaaa';

describe('the SSO flow cookie', () => {
  it('opens for its own workspace and provider, and hides the state, nonce and verifier', () => {
    const value = sealFlow(vault, workspaceId, flow);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    const decoded = Buffer.from(value, 'base64url').toString('latin1');
    for (const secret of [flow.state, flow.nonce, flow.codeVerifier]) expect(decoded).not.toContain(secret);
    expect(openFlow(vault, { workspaceId, providerId: flow.providerId, value })).toEqual(flow);
  });

  it('does not open for another provider or workspace, or once altered', () => {
    const value = sealFlow(vault, workspaceId, flow);
    expect(openFlow(vault, { workspaceId, providerId: 'sso_bbbbbbbbbbbbbbbb', value })).toBeNull();
    expect(
      openFlow(vault, { workspaceId: 'wsp_bbbbbbbbbbbbbbbb', providerId: flow.providerId, value }),
    ).toBeNull();
    const bytes = Buffer.from(value, 'base64url');
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 1;
    const altered = bytes.toString('base64url');
    expect(openFlow(vault, { workspaceId, providerId: flow.providerId, value: altered })).toBeNull();
    expect(openFlow(vault, { workspaceId, providerId: flow.providerId, value: 'not sealed!' })).toBeNull();
  });

  it('is HttpOnly, SameSite=Lax, scoped to /auth/sso and lives 10 minutes; Secure when cookies are', () => {
    expect(serializeFlowCookie({ value: 'v', secure: false })).toBe(
      'quarry_sso_flow=v; Path=/auth/sso; HttpOnly; SameSite=Lax; Max-Age=600',
    );
    expect(serializeFlowCookie({ value: 'v', secure: true })).toBe(
      '__Secure-quarry_sso_flow=v; Path=/auth/sso; HttpOnly; SameSite=Lax; Max-Age=600; Secure',
    );
    expect(clearFlowCookie(true)).toBe(
      '__Secure-quarry_sso_flow=; Path=/auth/sso; HttpOnly; SameSite=Lax; Max-Age=0; Secure',
    );
  });

  it('is read from a Cookie header by its own name only', () => {
    const header = `quarry_session=abc; ${flowCookieName(false)}=sealed-value; other=1`;
    expect(readFlowCookie(header, false)).toBe('sealed-value');
    expect(readFlowCookie(header, true)).toBeNull();
    expect(readFlowCookie(null, false)).toBeNull();
  });
});
