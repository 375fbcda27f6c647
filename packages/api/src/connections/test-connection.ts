import { TestConnectionInput, TestConnectionResult } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { testConnection as testSavedConnection } from './services/test-connection';

/**
 * A saved connection, or unsaved edits of it. Only Admins learn why a test failed (CONN-3).
 * A mutation because it makes the runner open a connection.
 */
export const testConnection = workspaceProcedure
  .meta({ permission: 'connection:manage' })
  .input(TestConnectionInput)
  .output(TestConnectionResult)
  .mutation(({ ctx, input }) => testSavedConnection(ctx, input).then(unwrapOrThrow));
