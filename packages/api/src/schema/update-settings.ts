import { SchemaSettings, UpdateSchemaSettingsInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { updateSchemaSettings } from './services/schema-settings';

export const updateSettings = workspaceProcedure
  .meta({ permission: 'connection:manage' })
  .input(UpdateSchemaSettingsInput)
  .output(SchemaSettings)
  .mutation(({ ctx, input }) => updateSchemaSettings(ctx, input).then(unwrapOrThrow));
