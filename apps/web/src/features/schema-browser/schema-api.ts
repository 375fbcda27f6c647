import type { SchemaColumnsInput, SchemaConnectionInput, UpdateSchemaSettingsInput } from '@quarry/contracts';
import { trpc, trpcClient } from '../../trpc';

/** Every schema query's key starts here, so a finished refresh or a new filter drops them all at once. */
export const SCHEMA_KEY = trpc.schema.pathKey();

/** The data browser's reads, in one place: what it asks and how long each answer stays fresh. */
export const schemaQueries = {
  browse: (input: SchemaConnectionInput) => trpc.schema.browse.queryOptions(input),
  // A table's columns change only with a refresh, which drops them (SCHEMA_KEY).
  columns: (input: SchemaColumnsInput) => ({ ...trpc.schema.columns.queryOptions(input), staleTime: 60_000 }),
  search: (input: { connectionId: string; projectId?: string; q: string }) => ({
    ...trpc.schema.search.queryOptions(input),
    staleTime: 30_000,
  }),
  refreshStatus: (refreshId: string) => trpc.schema.refreshStatus.queryOptions({ refreshId }),
  settings: (connectionId: string) => trpc.schema.settings.queryOptions({ connectionId }),
};

export const schemaMutations = {
  refresh: (input: SchemaConnectionInput) => trpcClient.schema.refresh.mutate(input),
  updateSettings: (input: UpdateSchemaSettingsInput) => trpcClient.schema.updateSettings.mutate(input),
};
