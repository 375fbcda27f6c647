import type { TRPCRouterRecord } from '@trpc/server';
import { cancel } from './cancel';
import { events } from './events';
import { get } from './get';
import { start } from './start';

export const runsRouter = { start, get, events, cancel } satisfies TRPCRouterRecord;
