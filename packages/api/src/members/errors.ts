import type { MembersErrorCode } from '@quarry/contracts';
import type { CodedError } from '../errors';

/** Members' error codes. Unlisted in the api's code table, they answer BAD_REQUEST. */
export const lastAdmin = (): CodedError<MembersErrorCode> => ({
  code: 'members.last_admin',
  message: 'This is the last active Admin of the workspace',
  hint: 'Make another member an Admin first',
});

export const notOnYourself = (what: 'deactivate' | 'remove'): CodedError<MembersErrorCode> => ({
  code: 'members.not_on_yourself',
  message: what === 'deactivate' ? 'You cannot deactivate yourself' : 'You cannot remove yourself',
  hint: 'Ask another Admin to do it',
});
