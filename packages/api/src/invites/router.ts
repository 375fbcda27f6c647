import type { TRPCRouterRecord } from '@trpc/server';
import { accept } from './accept';
import { create } from './create';
import { join } from './join';
import { list } from './list';
import { preview } from './preview';
import { revoke } from './revoke';

/** Invitations by email: Admins create, list and revoke them; the invitee previews and accepts. */
export const invitesRouter = { create, list, revoke, preview, accept, join } satisfies TRPCRouterRecord;
