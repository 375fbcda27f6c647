import { ConnectionRef } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { setDefaultConnection } from './services/set-default-connection';

export const setDefault = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(ConnectionRef)
  .output(z.object({ connectionId: z.string() }))
  .mutation(({ ctx, input }) => setDefaultConnection(ctx, input).then(unwrapOrThrow));
