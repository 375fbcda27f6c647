import type { TRPCRouterRecord } from '@trpc/server';

export const groupsRouter = {} satisfies TRPCRouterRecord;
