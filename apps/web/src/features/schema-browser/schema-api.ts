import type {
  SchemaColumnsInput,
  SchemaConnectionInput,
  SchemaRefresh,
  SchemaSearchResult,
  SchemaSettings,
  SchemaTableDetail,
  SchemaTree,
  UpdateSchemaSettingsInput,
} from '@quarry/contracts';
import { queryOptions } from '@tanstack/react-query';
import { trpcClient } from '../../trpc';

/**
 * The `schema.*` procedures as the contracts shape them. The API's schema router lands in a
 * parallel change; until `AppRouter` carries it this names the calls the browser makes, and once
 * it does the cast below goes and the compiler checks every call against the real router.
 */
type SchemaClient = {
  browse: { query: (input: SchemaConnectionInput) => Promise<SchemaTree> };
  columns: { query: (input: SchemaColumnsInput) => Promise<SchemaTableDetail> };
  search: {
    query: (input: {
      connectionId: string;
      projectId?: string;
      q: string;
      limit?: number;
    }) => Promise<SchemaSearchResult>;
  };
  refresh: { mutate: (input: SchemaConnectionInput) => Promise<SchemaRefresh> };
  refreshStatus: { query: (input: { refreshId: string }) => Promise<SchemaRefresh> };
  settings: { query: (input: SchemaConnectionInput) => Promise<SchemaSettings> };
  updateSettings: { mutate: (input: UpdateSchemaSettingsInput) => Promise<SchemaSettings> };
};

const client = (trpcClient as unknown as { schema: SchemaClient }).schema;

/** Every schema query's key starts here, so a finished refresh can drop them all at once. */
export const SCHEMA_KEY = ['schema'] as const;

export const schemaQueries = {
  browse: (input: SchemaConnectionInput) =>
    queryOptions({ queryKey: [...SCHEMA_KEY, 'browse', input], queryFn: () => client.browse.query(input) }),
  columns: (input: SchemaColumnsInput) =>
    queryOptions({
      queryKey: [...SCHEMA_KEY, 'columns', input],
      queryFn: () => client.columns.query(input),
      staleTime: 60_000,
    }),
  search: (input: { connectionId: string; projectId?: string; q: string }) =>
    queryOptions({
      queryKey: [...SCHEMA_KEY, 'search', input],
      queryFn: () => client.search.query(input),
      staleTime: 30_000,
    }),
  refreshStatus: (refreshId: string) =>
    queryOptions({
      queryKey: [...SCHEMA_KEY, 'refreshStatus', refreshId],
      queryFn: () => client.refreshStatus.query({ refreshId }),
    }),
  settings: (connectionId: string) =>
    queryOptions({
      queryKey: [...SCHEMA_KEY, 'settings', connectionId],
      queryFn: () => client.settings.query({ connectionId }),
    }),
};

export const schemaMutations = {
  refresh: (input: SchemaConnectionInput) => client.refresh.mutate(input),
  updateSettings: (input: UpdateSchemaSettingsInput) => client.updateSettings.mutate(input),
};
