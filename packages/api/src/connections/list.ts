import { ConnectionSummary } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { listConnections } from './services/list-connections';

/** The connections the caller may see (see the service); never settings or credentials. */
export const list = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .output(z.array(ConnectionSummary))
  .query(({ ctx }) => listConnections(ctx).then(unwrapOrThrow));
