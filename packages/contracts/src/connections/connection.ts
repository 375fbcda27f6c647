import { z } from 'zod';
import { AccessReasonCode } from '../errors/error-codes';
import { ConnectionId, ProjectId } from '../projects/project';
import { ConnectorKindId, ConnectorTier } from './connector-kind';
import { CanRefreshSchema, ConnectionScope, ConnectionStatus } from './permissions';

export const ConnectionName = z
  .string()
  .trim()
  .min(1, 'Give the connection a name')
  .max(100, 'A connection name has at most 100 characters');

/**
 * A kind's non-secret settings as sent by a client. Their shape is the kind's business: the API
 * validates them against the kind's own schema (strict: an unknown field is refused, CONN-1).
 */
export const ConnectionSettingsInput = z.record(
  z.string().max(64),
  z.union([z.string().max(20_000), z.number(), z.boolean(), z.null()]),
);
export type ConnectionSettingsInput = z.infer<typeof ConnectionSettingsInput>;

/**
 * The kind's secret fields (password, keys). Write-only: an empty or absent field on edit keeps
 * the stored value; nothing ever sends one back.
 */
export const ConnectionSecretsInput = z.record(z.string().max(64), z.string().max(20_000));
export type ConnectionSecretsInput = z.infer<typeof ConnectionSecretsInput>;

/** A workspace connection (Admins), saved as a draft while incomplete if `draft` is set. */
export const CreateConnectionInput = z.object({
  name: ConnectionName,
  kind: ConnectorKindId,
  settings: ConnectionSettingsInput,
  secrets: ConnectionSecretsInput.default({}),
  draft: z.boolean().default(false),
});
export type CreateConnectionInput = z.infer<typeof CreateConnectionInput>;

/**
 * A connection created from a project. `shareWithWorkspace` (Admins only; on by default for them in
 * the SPA) makes it a workspace connection imported into the project; otherwise it is a project
 * connection, usable in that project only.
 */
export const CreateProjectConnectionInput = CreateConnectionInput.omit({ draft: true }).extend({
  projectId: ProjectId,
  shareWithWorkspace: z.boolean().default(false),
});
export type CreateProjectConnectionInput = z.infer<typeof CreateProjectConnectionInput>;

/** Editing keeps every secret field sent blank; `draft: false` completes a draft. */
export const UpdateConnectionInput = z.object({
  connectionId: ConnectionId,
  name: ConnectionName,
  settings: ConnectionSettingsInput,
  secrets: ConnectionSecretsInput.default({}),
  draft: z.boolean().default(false),
});
export type UpdateConnectionInput = z.infer<typeof UpdateConnectionInput>;

export const ConnectionRef = z.object({ connectionId: ConnectionId });
export type ConnectionRef = z.infer<typeof ConnectionRef>;

/** A connection in a list: never a setting that could hold a credential, never a secret. */
export const ConnectionSummary = z.object({
  id: ConnectionId,
  name: z.string(),
  kind: ConnectorKindId,
  kindLabel: z.string(),
  tier: ConnectorTier,
  scope: ConnectionScope,
  /** The project a project connection serves. */
  project: z.object({ id: ProjectId, name: z.string() }).nullable(),
  status: ConnectionStatus,
  isDefault: z.boolean(),
  /** How many projects import it. */
  usageCount: z.number().int().nonnegative(),
  /** Whether the caller may edit, test and delete it (Admins; Can edit on a project connection's project). */
  canManage: z.boolean(),
  /** Set when it cannot be used now, and why (project connections switched off). */
  unavailable: z.object({ code: AccessReasonCode, message: z.string() }).nullable(),
  updatedAt: z.date(),
});
export type ConnectionSummary = z.infer<typeof ConnectionSummary>;

/** One connection for its edit form: the settings, and which secret fields hold a stored value. */
export const ConnectionDetail = ConnectionSummary.extend({
  settings: z.record(z.string(), z.unknown()),
  /** Names of the secret fields that hold a stored value (the values themselves never leave). */
  storedSecrets: z.array(z.string()),
  canRefreshSchema: CanRefreshSchema,
  /** The SSH tunnel's pinned host key fingerprint (`SHA256:…`); null when none is pinned. */
  sshHostKey: z.string().nullable(),
  /**
   * The result cache's policy: seconds a result may be served again to the next run of the same
   * query by a reader who passes the results gate; null when the cache is off.
   */
  cacheTtlSeconds: z.number().int().positive().nullable().optional(),
});
export type ConnectionDetail = z.infer<typeof ConnectionDetail>;

/** The result cache's TTL bounds: a minute to a week (cached rows are short-lived at rest). */
export const CACHE_TTL_MIN_SECONDS = 60;
export const CACHE_TTL_MAX_SECONDS = 7 * 24 * 60 * 60;

/** Turns a connection's result cache off (null) or on with a TTL in seconds. */
export const SetConnectionCachePolicyInput = z.object({
  connectionId: ConnectionId,
  ttlSeconds: z
    .number()
    .int()
    .min(CACHE_TTL_MIN_SECONDS, { message: 'Keep results at least a minute, or turn the cache off' })
    .max(CACHE_TTL_MAX_SECONDS, { message: 'Keep results at most a week' })
    .nullable(),
});
export type SetConnectionCachePolicyInput = z.infer<typeof SetConnectionCachePolicyInput>;

export const ConnectionCachePolicy = z.object({
  connectionId: ConnectionId,
  ttlSeconds: z.number().int().positive().nullable(),
  /** Cached results deleted by this change (turning the cache off deletes them all). */
  deleted: z.number().int().nonnegative(),
});
export type ConnectionCachePolicy = z.infer<typeof ConnectionCachePolicy>;

/** Admins: delete cached results, of one connection or of the whole workspace. */
export const InvalidateCacheInput = z.object({ connectionId: ConnectionId.optional() });
export type InvalidateCacheInput = z.infer<typeof InvalidateCacheInput>;

export const InvalidatedCache = z.object({ deleted: z.number().int().nonnegative() });
export type InvalidatedCache = z.infer<typeof InvalidatedCache>;

/** The projects that import an asset, for the Usage column and the delete confirmation. */
export const AssetUsage = z.array(z.object({ projectId: ProjectId, name: z.string() }));
export type AssetUsage = z.infer<typeof AssetUsage>;

export const ImportConnectionInput = z.object({ projectId: ProjectId, connectionId: ConnectionId });
export type ImportConnectionInput = z.infer<typeof ImportConnectionInput>;

/** The workspace switch for project data connections (Admins). */
export const ProjectConnectionsSetting = z.object({ enabled: z.boolean() });
export type ProjectConnectionsSetting = z.infer<typeof ProjectConnectionsSetting>;

/**
 * What an Admin runs at the warehouse to turn on identity passthrough (CONN-5): the install (as a
 * superuser), the key statement as a psql template (the key itself is never shown: the Admin made
 * it and pasted it into the connection), and a sample row-level security policy.
 */
export const IdentitySetup = z.object({
  schema: z.string(),
  installSql: z.string(),
  keySqlTemplate: z.string(),
  /** The psql variable `keySqlTemplate` reads the key from (`psql -v <name>=<key>`). */
  keyVariable: z.string(),
  samplePolicySql: z.string(),
});
export type IdentitySetup = z.infer<typeof IdentitySetup>;
