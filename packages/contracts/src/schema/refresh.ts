import { z } from 'zod';
import { AccessReasonCode } from '../errors/error-codes';
import { ConnectionId, ProjectId } from '../projects/project';
import { MAX_ID_LENGTH } from '../transport/request-limits';
import { SchemaFilter } from './filter';

export const SchemaRefreshId = z.string().max(MAX_ID_LENGTH).startsWith('srf_');
export const SchemaTableId = z.string().max(MAX_ID_LENGTH).startsWith('stb_');

/** How often a workspace connection's schema is refreshed on its own (`off`: manual only). */
export const RefreshCadence = z.enum(['off', 'hourly', 'daily', 'weekly']);
export type RefreshCadence = z.infer<typeof RefreshCadence>;

/** What started a refresh: someone's Refresh button, the cadence, or the connection's creation. */
export const SchemaRefreshTrigger = z.enum(['manual', 'scheduled', 'created']);
export type SchemaRefreshTrigger = z.infer<typeof SchemaRefreshTrigger>;

export const SchemaRefreshStatus = z.enum(['queued', 'running', 'succeeded', 'failed']);
export type SchemaRefreshStatus = z.infer<typeof SchemaRefreshStatus>;

const Person = z.object({ id: z.string(), name: z.string() });

/** One refresh as the SPA shows it: progress while it runs, what changed once it is done. */
export const SchemaRefresh = z.object({
  id: SchemaRefreshId,
  connectionId: ConnectionId,
  trigger: SchemaRefreshTrigger,
  status: SchemaRefreshStatus,
  /** Tables read so far, out of `total` once the catalog said how many (null before). */
  progress: z.object({ done: z.number().int(), total: z.number().int().nullable() }),
  /** Who asked; null for a scheduled refresh. */
  requestedBy: Person.nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Tables added, removed and changed by the refresh, once it succeeded. */
  counts: z
    .object({ added: z.number().int(), removed: z.number().int(), changed: z.number().int() })
    .nullable(),
});
export type SchemaRefresh = z.infer<typeof SchemaRefresh>;

/** JOB-4: ids only. A scheduled job has no refresh yet: the runner creates one, keyed by the job. */
export const SchemaRefreshJob = z.object({
  workspaceId: z.string().max(MAX_ID_LENGTH).startsWith('wsp_'),
  connectionId: ConnectionId,
  refreshId: SchemaRefreshId.optional(),
});
export type SchemaRefreshJob = z.infer<typeof SchemaRefreshJob>;

export const SchemaConnectionInput = z.object({
  connectionId: ConnectionId,
  projectId: ProjectId.optional(),
});
export type SchemaConnectionInput = z.infer<typeof SchemaConnectionInput>;

export const SchemaRefreshStatusInput = z.object({ refreshId: SchemaRefreshId });
export type SchemaRefreshStatusInput = z.infer<typeof SchemaRefreshStatusInput>;

/** A connection's schema browsing settings (Admins, or Can edit on a project connection's project). */
export const SchemaSettings = z.object({
  connectionId: ConnectionId,
  cadence: RefreshCadence,
  filter: SchemaFilter,
  /** Scheduled refresh is for workspace connections only; a project connection's cadence is `off`. */
  scheduleAvailable: z.boolean(),
});
export type SchemaSettings = z.infer<typeof SchemaSettings>;

export const UpdateSchemaSettingsInput = z.object({
  connectionId: ConnectionId,
  cadence: RefreshCadence,
  filter: SchemaFilter,
});
export type UpdateSchemaSettingsInput = z.infer<typeof UpdateSchemaSettingsInput>;

/** Whether the caller may press Refresh, and the engine's reason either way (shown when disabled). */
export const RefreshPermission = z.object({
  allowed: z.boolean(),
  reason: z.object({ code: AccessReasonCode, message: z.string() }),
});
export type RefreshPermission = z.infer<typeof RefreshPermission>;
