import { z } from 'zod';
import { MAX_ID_LENGTH } from '../transport/request-limits';

export const ProjectId = z.string().max(MAX_ID_LENGTH).startsWith('prj_');
export const CellId = z.string().max(MAX_ID_LENGTH).startsWith('cel_');
export const ConnectionId = z.string().max(MAX_ID_LENGTH).startsWith('con_');
