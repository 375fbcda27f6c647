import type { TRPCRouterRecord } from '@trpc/server';
import { events } from './events';
import { get } from './get';
import { start } from './start';

export const runsRouter = { start, get, events } satisfies TRPCRouterRecord;
