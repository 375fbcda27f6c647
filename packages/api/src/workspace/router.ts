import type { TRPCRouterRecord } from '@trpc/server';
import { capabilities } from './capabilities';

/** The caller's workspace as a whole: what their role lets them do there. */
export const workspaceRouter = { capabilities } satisfies TRPCRouterRecord;
