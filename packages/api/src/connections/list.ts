import { z } from 'zod';
import { workspaceProcedure } from '../trpc';
import { listConnections } from './services/list-connections';

export const list = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .output(z.array(z.object({ id: z.string(), name: z.string(), kind: z.string(), scope: z.string() })))
  .query(({ ctx }) => listConnections(ctx));
