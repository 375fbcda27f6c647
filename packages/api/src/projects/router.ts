import type { TRPCRouterRecord } from '@trpc/server';
import { get } from './get';
import { list } from './list';
import { updateCell } from './update-cell';

/** Projects: the list the caller may open, one project as they may see it, and saving a cell. */
export const projectsRouter = { list, get, updateCell } satisfies TRPCRouterRecord;
