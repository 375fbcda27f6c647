import { ConnectionSummary, CreateConnectionInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { createConnection } from './services/create-connection';

export const create = workspaceProcedure
  .meta({ permission: 'connection:create_workspace' })
  .input(CreateConnectionInput)
  .output(ConnectionSummary)
  .mutation(({ ctx, input }) => createConnection(ctx, input).then(unwrapOrThrow));
