import type { TRPCRouterRecord } from '@trpc/server';
import { me } from './me';
import { signIn } from './sign-in';
import { signOut } from './sign-out';
import { switchWorkspace } from './switch-workspace';
import { workspaces } from './workspaces';

export const authRouter = { signIn, signOut, me, workspaces, switchWorkspace } satisfies TRPCRouterRecord;
