import type { TRPCRouterRecord } from '@trpc/server';

export const membersRouter = {} satisfies TRPCRouterRecord;
