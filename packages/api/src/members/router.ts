import type { TRPCRouterRecord } from '@trpc/server';
import { changeRole } from './change-role';
import { deactivate } from './deactivate';
import { list } from './list';
import { reactivate } from './reactivate';
import { remove } from './remove';

/** Workspace members: who is in, with which role, and whether they can still sign in. Admins only. */
export const membersRouter = { list, changeRole, deactivate, reactivate, remove } satisfies TRPCRouterRecord;
