import { SchemaConnectionInput, SchemaRefresh } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { refreshSchema } from './services/refresh-schema';

/** Any member; the service asks the engine for Can refresh schema, and refuses with its reason. */
export const refresh = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .input(SchemaConnectionInput)
  .output(SchemaRefresh)
  .mutation(({ ctx, input }) => refreshSchema(ctx, input).then(unwrapOrThrow));
