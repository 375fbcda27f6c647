import { AssetUsage, ConnectionRef } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { connectionUsage } from './services/connection-usage';

export const usage = workspaceProcedure
  .meta({ permission: 'connection:manage' })
  .input(ConnectionRef)
  .output(AssetUsage)
  .query(({ ctx, input }) => connectionUsage(ctx, input).then(unwrapOrThrow));
