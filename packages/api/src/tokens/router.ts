import type { TRPCRouterRecord } from '@trpc/server';
import { create } from './create';
import { list } from './list';
import { revoke } from './revoke';

/** Personal API tokens for the SDK: shown once, hashed at rest, always expiring, revocable. */
export const tokensRouter = { create, list, revoke } satisfies TRPCRouterRecord;
