import type { TRPCRouterRecord } from '@trpc/server';
import { list } from './list';
import { permissions } from './permissions';
import { testConnection } from './test-connection';
import { updatePermissions } from './update-permissions';

/**
 * The permission facts of data connections (groups with access, Can query, Can view results, Can
 * refresh schema). The settings pages arrive with the vault & assets issue; the facts and their
 * enforcement are here now. Never returns credentials.
 */
export const connectionsRouter = {
  list,
  permissions,
  test: testConnection,
  updatePermissions,
} satisfies TRPCRouterRecord;
