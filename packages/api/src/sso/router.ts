import type { TRPCRouterRecord } from '@trpc/server';

export const ssoRouter = {} satisfies TRPCRouterRecord;
