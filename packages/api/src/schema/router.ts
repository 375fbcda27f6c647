import type { TRPCRouterRecord } from '@trpc/server';
import { browse } from './browse';
import { columns } from './columns';
import { refresh } from './refresh';
import { refreshStatus } from './refresh-status';
import { search } from './search';
import { settings } from './settings';
import { updateSettings } from './update-settings';

/**
 * Schema browsing: the data browser's tree, a table's columns and search over every name (for
 * those with Can query), Refresh (Can refresh schema) and its progress, and the connection's
 * refresh cadence and schema filter (for those who manage it).
 */
export const schemaRouter = {
  browse,
  columns,
  search,
  refresh,
  refreshStatus,
  settings,
  updateSettings,
} satisfies TRPCRouterRecord;
