import type { TRPCRouterRecord } from '@trpc/server';

export const connectionsRouter = {} satisfies TRPCRouterRecord;
