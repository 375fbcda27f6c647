import type { Vault } from '@quarry/vault';

/** OIDC-2: a sign-in must come back within 10 minutes. */
export const SSO_FLOW_TTL_MS = 10 * 60 * 1000;
const FLOW_PATH = '/auth/sso';

/** What one sign-in keeps between its start and its callback. */
export type SsoFlow = {
  providerId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Epoch milliseconds; checked on the server, whatever the browser does with Max-Age. */
  expiresAt: number;
};

/** `__Host-` needs `Path=/`; this cookie is scoped to the SSO routes, so it takes `__Secure-`. */
export function flowCookieName(secure: boolean): string {
  return secure ? '__Secure-quarry_sso_flow' : 'quarry_sso_flow';
}

const contextFor = (workspaceId: string, providerId: string) => ({
  workspaceId,
  recordId: providerId,
  purpose: 'sso.flow',
});

/**
 * Seals the flow with the vault (AES-256-GCM, bound to the workspace, the provider and the purpose
 * `sso.flow`), so the browser can neither read the nonce and PKCE verifier nor forge or move them
 * to another provider.
 */
export function sealFlow(vault: Vault, workspaceId: string, flow: SsoFlow): string {
  const json = JSON.stringify({ v: 1, ...flow });
  return vault.seal(json, contextFor(workspaceId, flow.providerId)).toString('base64url');
}

/** The flow, or null when the value was not sealed by us for this workspace and provider. */
export function openFlow(
  vault: Vault,
  input: { workspaceId: string; providerId: string; value: string },
): SsoFlow | null {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(input.value)) return null;
  const opened = vault.openText(
    Buffer.from(input.value, 'base64url'),
    contextFor(input.workspaceId, input.providerId),
  );
  if (!opened.ok) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(opened.value);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const flow = parsed as Record<string, unknown>;
  const strings = ['providerId', 'state', 'nonce', 'codeVerifier'] as const;
  if (flow.v !== 1 || typeof flow.expiresAt !== 'number') return null;
  if (!strings.every((key) => typeof flow[key] === 'string' && flow[key] !== '')) return null;
  if (flow.providerId !== input.providerId) return null;
  return {
    providerId: String(flow.providerId),
    state: String(flow.state),
    nonce: String(flow.nonce),
    codeVerifier: String(flow.codeVerifier),
    expiresAt: flow.expiresAt,
  };
}

/** HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET), Path=/auth/sso. */
export function serializeFlowCookie(input: { value: string; secure: boolean }): string {
  const parts = [
    `${flowCookieName(input.secure)}=${input.value}`,
    `Path=${FLOW_PATH}`,
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${SSO_FLOW_TTL_MS / 1000}`,
  ];
  if (input.secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearFlowCookie(secure: boolean): string {
  const parts = [`${flowCookieName(secure)}=`, `Path=${FLOW_PATH}`, 'HttpOnly', 'SameSite=Lax', 'Max-Age=0'];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

export function readFlowCookie(header: string | null, secure: boolean): string | null {
  if (!header) return null;
  const name = flowCookieName(secure);
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=') || null;
  }
  return null;
}
