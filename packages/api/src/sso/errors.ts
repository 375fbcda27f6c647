import type { SsoErrorCode } from '@quarry/contracts';
import type { CodedError } from '../errors';

/**
 * SSO's own error codes, beside the protocol ones from @quarry/auth (`sso.discovery_failed`,
 * `sso.issuer_mismatch`, `sso.invalid_id_token`, ...). Unlisted in the api's code table, they answer
 * BAD_REQUEST; at the callback they become `/?sso_error=<code>`.
 */
export const unknownProvider = (): CodedError<SsoErrorCode> => ({
  code: 'sso.unknown_provider',
  message: 'This sign-in link does not match any identity provider',
  hint: 'Start again from the sign-in page',
});

export const flowMissing = (): CodedError<SsoErrorCode> => ({
  code: 'sso.flow_missing',
  message: 'This sign-in was not started in this browser, or it has already been used',
  hint: 'Start again from the sign-in page',
});

export const flowExpired = (): CodedError<SsoErrorCode> => ({
  code: 'sso.flow_expired',
  message: 'This sign-in took longer than 10 minutes',
  hint: 'Start again from the sign-in page',
});

export const flowReplayed = (): CodedError<SsoErrorCode> => ({
  code: 'sso.flow_replayed',
  message: 'This sign-in has already been used',
  hint: 'Start again from the sign-in page',
});

export const stateMismatch = (): CodedError<SsoErrorCode> => ({
  code: 'sso.state_mismatch',
  message: 'The answer from the identity provider does not belong to this sign-in',
  hint: 'Start again from the sign-in page',
});

export const badCallback = (): CodedError<SsoErrorCode> => ({
  code: 'sso.bad_callback',
  message: 'The identity provider sent an answer Quarry cannot read',
  hint: 'Start again from the sign-in page',
});

export const providerError = (error: string | null): CodedError<SsoErrorCode> => ({
  code: 'sso.provider_error',
  message: 'The identity provider did not sign you in',
  hint: 'Start again, or ask your administrator whether you may use Quarry',
  ...(error ? { details: { error } } : {}),
});

export const providerMisconfigured = (): CodedError<SsoErrorCode> => ({
  code: 'sso.provider_misconfigured',
  message: "The identity provider's stored client secret cannot be read",
  hint: 'An Admin should remove the provider and add it again',
});

export const domainNotAllowed = (): CodedError<SsoErrorCode> => ({
  code: 'sso.domain_not_allowed',
  message: 'Your email domain may not join this workspace through single sign-on',
  hint: 'Ask an Admin to invite you, or to allow your domain in Settings → Single sign-on',
});

export const accountDeactivated = (): CodedError<SsoErrorCode> => ({
  code: 'sso.account_deactivated',
  message: 'Your account is deactivated',
  hint: 'Ask an Admin of the workspace to reactivate it',
});

export const noProvider = (): CodedError<SsoErrorCode> => ({
  code: 'sso.no_provider',
  message: 'Single sign-on cannot be required before an identity provider is set up',
  hint: 'Add an identity provider first',
});

export const providerRequired = (): CodedError<SsoErrorCode> => ({
  code: 'sso.provider_required',
  message: 'This is the last identity provider, and single sign-on is required',
  hint: 'Turn off "Require single sign-on" first',
});

export const identityConflict = (): CodedError<SsoErrorCode> => ({
  code: 'sso.identity_conflict',
  message: 'This email belongs to an account already linked to another identity at this provider',
  hint: 'Ask an Admin to check the account; an email that moved to someone else does not move the account',
});

export const accountElsewhere = (): CodedError<SsoErrorCode> => ({
  code: 'sso.account_elsewhere',
  message: 'This email already has a Quarry account that is not a member of this workspace',
  hint: 'Open the invitation to this workspace and join with your Quarry password; single sign-on does not move accounts between workspaces',
});

export const badClaims = (): CodedError<SsoErrorCode> => ({
  code: 'sso.invalid_claims',
  message: 'The identity provider sent an identity Quarry cannot store',
  hint: 'Ask an Admin to check the identity provider',
});
