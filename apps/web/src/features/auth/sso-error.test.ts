import { describe, expect, it } from 'vitest';
import { ssoErrorOf } from './sso-error';

describe('ssoErrorOf', () => {
  it('says nothing when the page came without an SSO error', () => {
    expect(ssoErrorOf('')).toBeNull();
    expect(ssoErrorOf('?next=/projects')).toBeNull();
  });

  it.each([
    { code: 'sso.email_unverified', message: 'Your identity provider did not confirm your email address' },
    {
      code: 'sso.domain_not_allowed',
      message: 'Your email domain may not join this workspace through single sign-on',
    },
    {
      code: 'sso.invalid_state',
      message: 'The answer from your identity provider does not belong to this sign-in',
    },
  ])('words $code', ({ code, message }) => {
    expect(ssoErrorOf(`?sso_error=${code}`)).toMatchObject({ code, message });
  });

  it('reads an unknown code as a generic failure and never echoes it', () => {
    const error = ssoErrorOf('?sso_error=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(error?.code).toBe('sso.failed');
    expect(JSON.stringify(error)).not.toContain('script');
  });

  it('does not take inherited properties for codes', () => {
    expect(ssoErrorOf('?sso_error=toString')?.code).toBe('sso.failed');
  });
});
