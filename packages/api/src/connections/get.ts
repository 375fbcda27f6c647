import { ConnectionDetail, ConnectionRef } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { getConnection } from './services/get-connection';

export const get = workspaceProcedure
  .meta({ permission: 'connection:manage' })
  .input(ConnectionRef)
  .output(ConnectionDetail)
  .query(({ ctx, input }) => getConnection(ctx, input).then(unwrapOrThrow));
