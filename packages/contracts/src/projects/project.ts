import { z } from 'zod';
import { MAX_ID_LENGTH } from '../transport/request-limits';

export const ProjectId = z.string().max(MAX_ID_LENGTH).startsWith('prj_');
export const CellId = z.string().max(MAX_ID_LENGTH).startsWith('cel_');
export const ConnectionId = z.string().max(MAX_ID_LENGTH).startsWith('con_');

export const SqlCell = z.object({
  id: CellId,
  kind: z.literal('sql'),
  position: z.number().int(),
  connectionId: ConnectionId.nullable(),
  source: z.string(),
});
export type SqlCell = z.infer<typeof SqlCell>;

export const ProjectSummary = z.object({
  id: ProjectId,
  name: z.string(),
  updatedAt: z.date(),
  permission: z.string(),
});
export type ProjectSummary = z.infer<typeof ProjectSummary>;

export const ProjectDetail = z.object({
  id: ProjectId,
  name: z.string(),
  permission: z.string(),
  cells: z.array(SqlCell),
  connections: z.array(z.object({ id: ConnectionId, name: z.string(), kind: z.string() })),
});
export type ProjectDetail = z.infer<typeof ProjectDetail>;

export const GetProjectInput = z.object({ projectId: ProjectId });
export const UpdateCellInput = z.object({
  projectId: ProjectId,
  cellId: CellId,
  source: z.string().max(100_000, { message: 'A SQL cell holds at most 100,000 characters' }),
});
export type UpdateCellInput = z.infer<typeof UpdateCellInput>;
