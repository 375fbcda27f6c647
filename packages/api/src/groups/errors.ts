import type { GroupsErrorCode, NotFoundErrorCode } from '@quarry/contracts';
import type { CodedError } from '../errors';

/** Groups' error codes. Unlisted in the api's code table, they answer BAD_REQUEST. */
export const nameTaken = (name: string): CodedError<GroupsErrorCode | NotFoundErrorCode> => ({
  code: 'groups.name_taken',
  message: `A group named '${name}' already exists in this workspace`,
  hint: 'Choose another name, or add the members to the existing group',
});

export const nameReserved = (name: string): CodedError<GroupsErrorCode | NotFoundErrorCode> => ({
  code: 'groups.name_reserved',
  message: `'${name}' is the name of a built-in group`,
  hint: 'Built-in groups follow workspace roles; choose another name for a custom group',
});

export const notInGroup = (): CodedError<GroupsErrorCode | NotFoundErrorCode> => ({
  code: 'not_found.group_member',
  message: 'This person is not in the group',
  hint: 'Reload the group to see who is in it',
});
