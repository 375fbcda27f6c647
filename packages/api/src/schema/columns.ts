import { SchemaColumnsInput, SchemaTableDetail } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { tableColumns } from './services/browse-schema';

/** Any member; the service asks the engine for Can query on the connection (Admins always). */
export const columns = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .input(SchemaColumnsInput)
  .output(SchemaTableDetail)
  .query(({ ctx, input }) => tableColumns(ctx, input).then(unwrapOrThrow));
