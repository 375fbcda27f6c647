import { TestConnectionInput, TestConnectionResult } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { testConnection as testWorkspaceConnection } from './services/test-connection';

/**
 * Admins only: the answer says whether a host and port answer (CONN-3) and what the role can do.
 * A mutation because it makes the runner open a connection.
 */
export const testConnection = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(TestConnectionInput)
  .output(TestConnectionResult)
  .mutation(({ ctx, input }) => testWorkspaceConnection(ctx, input).then(unwrapOrThrow));
