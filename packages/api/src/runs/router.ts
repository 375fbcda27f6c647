import type { TRPCRouterRecord } from '@trpc/server';
import { cancel } from './cancel';
import { events } from './events';
import { get } from './get';
import { query } from './query';
import { start } from './start';

export const runsRouter = { start, get, events, query, cancel } satisfies TRPCRouterRecord;
