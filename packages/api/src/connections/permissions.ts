import { ConnectionPermissions } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { connectionPermissions } from './services/connection-permissions';

export const permissions = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(z.object({ connectionId: z.string().max(64) }))
  .output(ConnectionPermissions)
  .query(({ ctx, input }) => connectionPermissions(ctx, input).then(unwrapOrThrow));
