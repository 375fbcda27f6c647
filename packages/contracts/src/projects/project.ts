import { z } from 'zod';
import { ProjectCapabilities } from '../access/capabilities';
import { ProjectPermission } from '../access/roles';
import { AccessReasonCode } from '../errors/error-codes';
import { CellKind } from '../notebook/cell-name';
import { CellSource, NotebookCell } from '../notebook/cells';
import { InputConfig } from '../notebook/inputs';
import { CellId, ConnectionId, ProjectId } from './ids';

export { CellId, ConnectionId, ProjectId };

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
  kind: CellKind,
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
    cells: z.array(NotebookCell),
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
/**
 * Saves a cell's content: the source of a SQL, JS or Markdown cell, the connection of a SQL cell,
 * the type and default of an input. What does not apply to the cell's kind is refused.
 */
export const UpdateCellInput = z.object({
  projectId: ProjectId,
  cellId: CellId,
  source: CellSource.optional(),
  /** The cell's connection: one the project imports, or null for none; absent keeps it. */
  connectionId: ConnectionId.nullable().optional(),
  input: InputConfig.optional(),
});
export type UpdateCellInput = z.infer<typeof UpdateCellInput>;
