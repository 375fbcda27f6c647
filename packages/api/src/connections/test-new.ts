import { TestConnectionResult, TestNewConnectionInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { testNewConnection } from './services/test-connection';

export const testNew = workspaceProcedure
  .meta({ permission: 'connection:create_workspace' })
  .input(TestNewConnectionInput)
  .output(TestConnectionResult)
  .mutation(({ ctx, input }) => testNewConnection(ctx, input).then(unwrapOrThrow));
