import type { TRPCRouterRecord } from '@trpc/server';

export const sharingRouter = {} satisfies TRPCRouterRecord;
