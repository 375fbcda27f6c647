import type { QuarryError } from '@quarry/contracts';

/** Auth's own codes. `auth.invalid_credentials` answers every failed sign-in alike (AUTH-6). */
export const invalidCredentials = (): QuarryError => ({
  code: 'auth.invalid_credentials',
  message: 'The email or password is not right',
  hint: 'Check both and try again',
});

/** What a session made by one workspace's single sign-on is told when it reaches beyond it. */
export const passwordRequired = (): QuarryError => ({
  code: 'auth.password_required',
  message: 'You signed in with this workspace’s single sign-on, which vouches for you here only',
  hint: 'Sign out, then sign in with your Quarry password',
});
