import type { InvitesErrorCode } from '@quarry/contracts';
import type { CodedError } from '../errors';

/** Invites' error codes. Unlisted in the api's code table, they answer BAD_REQUEST. */
export const alreadyMember = (email: string): CodedError<InvitesErrorCode> => ({
  code: 'invites.already_member',
  message: `${email} is already a member of this workspace`,
  hint: 'Change their role in Settings → Members, or reactivate them there if they were deactivated',
});

/** One answer whatever the reason (unknown, tampered, expired, used, revoked): nothing to probe. */
export const invalidInvite = (): CodedError<InvitesErrorCode> => ({
  code: 'invites.invalid',
  message: 'This invitation link is not valid any more',
  hint: 'Ask an Admin of the workspace to invite you again',
});

export const signInFirst = (): CodedError<InvitesErrorCode> => ({
  code: 'invites.sign_in_first',
  message: 'An account with this email already exists',
  hint: 'Join with that account: enter its password on the invitation page',
});

export const notPending = (status: string): CodedError<InvitesErrorCode> => ({
  code: 'invites.not_pending',
  message: `This invitation is already ${status}`,
  hint: 'Only pending or expired invitations can be revoked',
});
