import { describe, expect, it } from 'vitest';
import {
  clearSessionCookie,
  readSessionCookie,
  serializeSessionCookie,
  sessionCookieName,
} from './session-cookie';

const expiresAt = new Date('2026-12-01T00:00:00Z');

describe('the session cookie (AUTH-4)', () => {
  it('is __Host- prefixed, Secure, HttpOnly, SameSite=Lax and Path=/ outside plain-http localhost', () => {
    const cookie = serializeSessionCookie({ token: 'abc.def', expiresAt, secure: true });
    expect(cookie.split('; ')).toEqual([
      '__Host-quarry_session=abc.def',
      'Path=/',
      'HttpOnly',
      'SameSite=Lax',
      'Expires=Tue, 01 Dec 2026 00:00:00 GMT',
      'Secure',
    ]);
    // The __Host- prefix makes browsers refuse it without Secure and Path=/ and with a Domain.
    expect(cookie).not.toMatch(/Domain=/i);
  });

  it('drops the prefix and Secure only on plain-http localhost, where browsers would refuse them', () => {
    const cookie = serializeSessionCookie({ token: 'abc.def', expiresAt, secure: false });
    expect(cookie.startsWith('quarry_session=abc.def; Path=/; HttpOnly; SameSite=Lax')).toBe(true);
    expect(cookie).not.toContain('Secure');
  });

  it('clears with the same name and attributes', () => {
    expect(clearSessionCookie(true)).toBe(
      '__Host-quarry_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure',
    );
  });

  it('reads only its own cookie, by its exact name', () => {
    const header = `other=1; ${sessionCookieName(true)}=tok.en; quarry_session=plain`;
    expect(readSessionCookie(header, true)).toBe('tok.en');
    expect(readSessionCookie(header, false)).toBe('plain');
    expect(readSessionCookie('quarry_session_x=1', false)).toBeNull();
    expect(readSessionCookie(null, false)).toBeNull();
  });
});
