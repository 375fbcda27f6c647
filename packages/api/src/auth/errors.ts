import type { AuthErrorCode } from '@quarry/contracts';
import type { CodedError } from '../errors';

/** Auth's own codes. `auth.invalid_credentials` answers every failed sign-in alike (AUTH-6). */
export const invalidCredentials = (): CodedError<AuthErrorCode> => ({
  code: 'auth.invalid_credentials',
  message: 'The email or password is not right',
  hint: 'Check both and try again',
});

/** What a session made by one workspace's single sign-on is told when it reaches beyond it. */
export const passwordRequired = (): CodedError<AuthErrorCode> => ({
  code: 'auth.password_required',
  message: 'You signed in with this workspace’s single sign-on, which vouches for you here only',
  hint: 'Sign out, then sign in with your Quarry password',
});
