import { z } from 'zod';
import { ProjectCapabilities } from '../access/capabilities';
import { ProjectPermission } from '../access/roles';
import { AccessReasonCode } from '../errors/error-codes';
import { MAX_ID_LENGTH } from '../transport/request-limits';

export const ProjectId = z.string().max(MAX_ID_LENGTH).startsWith('prj_');
export const CellId = z.string().max(MAX_ID_LENGTH).startsWith('cel_');
export const ConnectionId = z.string().max(MAX_ID_LENGTH).startsWith('con_');

/**
 * Why a cell has no usable connection, so the cell can say so and offer to pick another: the
 * connection it used was deleted, removed from the project, or is a project connection while Admins
 * have switched those off. The SPA words it; `connectionName` is the connection's name.
 */
export const CellConnectionNote = z.object({
  reason: z.enum(['connection_deleted', 'connection_removed', 'project_connections_disabled']),
  connectionName: z.string(),
});
export type CellConnectionNote = z.infer<typeof CellConnectionNote>;

export const SqlCell = z.object({
  id: CellId,
  kind: z.literal('sql'),
  position: z.number().int(),
  connectionId: ConnectionId.nullable(),
  source: z.string(),
  connectionNote: CellConnectionNote.nullable().default(null),
});
export type SqlCell = z.infer<typeof SqlCell>;

/** Why the engine decided what it decided: a stable `access.*` code and a sentence naming the cause. */
export const AccessReason = z.object({ code: AccessReasonCode, message: z.string() });
export type AccessReason = z.infer<typeof AccessReason>;

/**
 * The caller's access to a project as the engine decided it: the permission left after every rule
 * (never `none`: a closed project is not listed and does not open), each downgrade's reason, and
 * what that lets them do. Clients show these; they compare nothing themselves.
 */
const projectAccess = {
  permission: ProjectPermission,
  reasons: z.array(AccessReason),
  can: ProjectCapabilities,
};

export const ProjectSummary = z.object({
  id: ProjectId,
  name: z.string(),
  updatedAt: z.date(),
  ...projectAccess,
});
export type ProjectSummary = z.infer<typeof ProjectSummary>;

/**
 * A cell as Can view holders get it: its place in the app and nothing of its logic (no SQL, no
 * data connection). Can view is the data app, not how it is made.
 */
export const AppCell = z.object({
  id: CellId,
  kind: z.literal('sql'),
  position: z.number().int(),
});
export type AppCell = z.infer<typeof AppCell>;

export const ProjectConnectionSummary = z.object({ id: ConnectionId, name: z.string(), kind: z.string() });

const projectHeader = { id: ProjectId, name: z.string(), ...projectAccess };

/**
 * A project as its reader may see it. From Can explore up (`logicHidden: false`) every cell's SQL
 * and data connection and the project's connections; at Can view (`logicHidden: true`) only the
 * cells' places, and no connections. The output parser drops anything else, so no SQL reaches a
 * Can view holder even if a service slipped it in.
 */
export const ProjectDetail = z.discriminatedUnion('logicHidden', [
  z.object({
    ...projectHeader,
    logicHidden: z.literal(false),
    cells: z.array(SqlCell),
    connections: z.array(ProjectConnectionSummary),
  }),
  z.object({
    ...projectHeader,
    logicHidden: z.literal(true),
    cells: z.array(AppCell),
  }),
]);
export type ProjectDetail = z.infer<typeof ProjectDetail>;
/** The project as Can explore and up see it, logic included. */
export type ProjectWithLogic = Extract<ProjectDetail, { logicHidden: false }>;

export const GetProjectInput = z.object({ projectId: ProjectId });
export const UpdateCellInput = z.object({
  projectId: ProjectId,
  cellId: CellId,
  source: z.string().max(100_000, { message: 'A SQL cell holds at most 100,000 characters' }),
  /** The cell's connection: one the project imports, or null for none; absent keeps it. */
  connectionId: ConnectionId.nullable().optional(),
});
export type UpdateCellInput = z.infer<typeof UpdateCellInput>;
