import type { TRPCRouterRecord } from '@trpc/server';
import { changePassword } from './change-password';
import { list } from './list';
import { revoke } from './revoke';
import { signOutEverywhere } from './sign-out-everywhere';

/**
 * "My sessions": see where I am signed in, end one, or end all of them. Only from a signed-in
 * session (`session:browser`): an API token manages neither sessions nor the password.
 */
export const sessionsRouter = { list, revoke, signOutEverywhere, changePassword } satisfies TRPCRouterRecord;
