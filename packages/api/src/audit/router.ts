import type { TRPCRouterRecord } from '@trpc/server';
import { exportLog } from './export';
import { list } from './list';
import { verify } from './verify';

/** The workspace's audit log for Admins: newest first, filtered, exported, and verified. */
export const auditRouter = { list, export: exportLog, verify } satisfies TRPCRouterRecord;
