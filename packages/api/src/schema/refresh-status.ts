import { SchemaRefresh, SchemaRefreshStatusInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { refreshStatus as loadRefreshStatus } from './services/refresh-schema';

/** Any member who may browse the refresh's connection; anyone else is told it does not exist. */
export const refreshStatus = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .input(SchemaRefreshStatusInput)
  .output(SchemaRefresh)
  .query(({ ctx, input }) => loadRefreshStatus(ctx, input).then(unwrapOrThrow));
