import { OperationsStatus } from '@quarry/contracts';
import { workspaceProcedure } from '../trpc';
import { operationsDeps } from './operations-deps';
import { readOperationsStatus } from './services/operations-status';

/**
 * The Admin's view of the query runner: queue depth as totals (queues are shared by every
 * workspace), and their own workspace's active runs, recent failures and dead letters.
 */
export const status = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .output(OperationsStatus)
  .query(({ ctx }) =>
    readOperationsStatus(operationsDeps(ctx), { workspaceId: ctx.actor.workspaceId }, { fresh: true }),
  );
