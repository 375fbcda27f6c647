import { ConnectionRef, SchemaSettings } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { schemaSettings } from './services/schema-settings';

export const settings = workspaceProcedure
  .meta({ permission: 'connection:manage' })
  .input(ConnectionRef)
  .output(SchemaSettings)
  .query(({ ctx, input }) => schemaSettings(ctx, input).then(unwrapOrThrow));
