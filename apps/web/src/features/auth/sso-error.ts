import type { QuarryError, SsoErrorCode } from '@quarry/contracts';

const START_AGAIN = 'Start again with the button below';

/**
 * The SSO callback sends failures back as `/?sso_error=<code>`. Only the code travels in the URL, so
 * the sign-in page words it; an unknown code reads as a generic failure, never as the raw string.
 */
const MESSAGES: Readonly<Partial<Record<SsoErrorCode, Omit<QuarryError, 'code'>>>> = {
  'sso.email_unverified': {
    message: 'Your identity provider did not confirm your email address',
    hint: 'Verify your email address with your identity provider, then sign in again',
  },
  'sso.domain_not_allowed': {
    message: 'Your email domain may not join this workspace through single sign-on',
    hint: 'Ask an Admin to invite you, or to allow your domain for single sign-on',
  },
  'sso.account_deactivated': {
    message: 'Your account is deactivated',
    hint: 'Ask an Admin of the workspace to reactivate it',
  },
  'sso.invalid_state': {
    message: 'The answer from your identity provider does not belong to this sign-in',
    hint: START_AGAIN,
  },
  'sso.state_mismatch': {
    message: 'The answer from your identity provider does not belong to this sign-in',
    hint: START_AGAIN,
  },
  'sso.flow_missing': {
    message: 'This sign-in was not started in this browser, or it was already used',
    hint: START_AGAIN,
  },
  'sso.flow_expired': { message: 'This sign-in took longer than 10 minutes', hint: START_AGAIN },
  'sso.flow_replayed': { message: 'This sign-in was already used', hint: START_AGAIN },
  'sso.nonce_mismatch': { message: 'The identity token was not issued for this sign-in', hint: START_AGAIN },
  'sso.invalid_id_token': {
    message: 'The identity token from your provider failed verification',
    hint: 'Start again; if it keeps failing, ask an Admin to check the provider settings',
  },
  'sso.code_rejected': {
    message: 'Your identity provider refused to complete the sign-in',
    hint: 'Start again; if it keeps failing, ask an Admin to check the provider settings',
  },
  'sso.provider_error': {
    message: 'Your identity provider did not sign you in',
    hint: 'Start again, or ask your administrator whether you may use Quarry',
  },
  'sso.provider_unreachable': {
    message: 'Your identity provider did not answer',
    hint: 'Try again in a moment',
  },
  'sso.unknown_provider': {
    message: 'This sign-in link does not match any identity provider',
    hint: START_AGAIN,
  },
  'sso.bad_callback': {
    message: 'Your identity provider sent an answer Quarry cannot read',
    hint: START_AGAIN,
  },
  'sso.account_elsewhere': {
    message: 'Your email already has a Quarry account that is not a member of this workspace',
    hint: 'Ask an Admin of this workspace to invite you, then sign in with single sign-on again',
  },
  'sso.start_not_allowed': {
    message: 'Single sign-on starts from this page',
    hint: START_AGAIN,
  },
  'sso.provider_misconfigured': {
    message: 'Single sign-on is not set up correctly for this workspace',
    hint: 'Ask an Admin to check the identity provider in Settings',
  },
};

const GENERIC: Omit<QuarryError, 'code'> = {
  message: 'Single sign-on did not sign you in',
  hint: 'Try again, or sign in with your email and password',
};

/** The error to show for `?sso_error=<code>`, or null when the page has none. */
export function ssoErrorOf(search: string): QuarryError | null {
  const code = new URLSearchParams(search).get('sso_error');
  if (!code) return null;
  const known = Object.hasOwn(MESSAGES, code) ? MESSAGES[code as SsoErrorCode] : undefined;
  return known ? { code, ...known } : { code: 'sso.failed', ...GENERIC };
}
