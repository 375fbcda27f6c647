import { generateSecretToken, hashSecret } from '@quarry/auth';

/** `inv_<id>.<secret>`: the invite's id (not secret) and 256 bits from the CSPRNG (AUTH-1). */
const TOKEN = /^(inv_[a-z2-7]{16})\.([a-z2-7]{52})$/;

/** A new invite's id, its single-use token (shown once, in the link) and the hash we keep. */
export function newInviteToken(): { inviteId: string; token: string; secretHash: string } {
  const { id, secret } = generateSecretToken();
  const inviteId = `inv_${id}`;
  return { inviteId, token: `${inviteId}.${secret}`, secretHash: hashSecret(secret) };
}

export function parseInviteToken(token: string): { inviteId: string; secret: string } | null {
  const match = TOKEN.exec(token);
  if (!match?.[1] || !match[2]) return null;
  return { inviteId: match[1], secret: match[2] };
}

/**
 * Relative: the SPA builds the absolute URL from its own origin. The token rides in the fragment,
 * which browsers never send to a server, so no request log, proxy or Referer sees it (AUTH-8).
 */
export const inviteLink = (token: string): string => `/invite#${token}`;
