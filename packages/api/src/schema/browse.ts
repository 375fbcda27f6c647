import { SchemaConnectionInput, SchemaTree } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { browseSchema } from './services/browse-schema';

/** Any member; the service asks the engine for Can query on the connection (Admins always). */
export const browse = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .input(SchemaConnectionInput)
  .output(SchemaTree)
  .query(({ ctx, input }) => browseSchema(ctx, input).then(unwrapOrThrow));
