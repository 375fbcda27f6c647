import type { TRPCRouterRecord } from '@trpc/server';

export const invitesRouter = {} satisfies TRPCRouterRecord;
