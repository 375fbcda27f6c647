import type { TRPCRouterRecord } from '@trpc/server';
import { cancel } from './cancel';
import { events } from './events';
import { get } from './get';
import { start } from './start';
import { startAndStream } from './start-and-stream';

export const runsRouter = { start, startAndStream, get, events, cancel } satisfies TRPCRouterRecord;
