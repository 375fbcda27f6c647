/** AUTH-4: `__Host-` prefixed and Secure everywhere but plain-http localhost. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-quarry_session' : 'quarry_session';
}

export function serializeSessionCookie(input: { token: string; expiresAt: Date; secure: boolean }): string {
  const parts = [
    `${sessionCookieName(input.secure)}=${input.token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Expires=${input.expiresAt.toUTCString()}`,
  ];
  if (input.secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearSessionCookie(secure: boolean): string {
  const parts = [`${sessionCookieName(secure)}=`, 'Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0'];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

export function readSessionCookie(header: string | null, secure: boolean): string | null {
  if (!header) return null;
  const name = sessionCookieName(secure);
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=') || null;
  }
  return null;
}
