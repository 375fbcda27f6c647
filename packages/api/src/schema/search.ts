import { SchemaSearchInput, SchemaSearchResult } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { searchSchema } from './services/search-schema';

/** Any member; the service asks the engine for Can query on the connection (Admins always). */
export const search = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .input(SchemaSearchInput)
  .output(SchemaSearchResult)
  .query(({ ctx, input }) => searchSchema(ctx, input).then(unwrapOrThrow));
