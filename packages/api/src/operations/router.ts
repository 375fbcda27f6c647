import type { TRPCRouterRecord } from '@trpc/server';
import { cancelRun } from './cancel-run';
import { purgeDeadLetters } from './purge-dead-letters';
import { retryDeadLetter } from './retry-dead-letter';
import { status } from './status';

/** The query runner for the on-call Admin: what is queued, running, failing and dead, and the levers. */
export const operationsRouter = {
  status,
  cancelRun,
  retryDeadLetter,
  purgeDeadLetters,
} satisfies TRPCRouterRecord;
