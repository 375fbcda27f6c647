import type { TRPCRouterRecord } from '@trpc/server';
import { addCell } from './add-cell';
import { deleteCell } from './delete-cell';
import { get } from './get';
import { list } from './list';
import { moveCell } from './move-cell';
import { renameCell } from './rename-cell';
import { updateCell } from './update-cell';

/** Projects: the list the caller may open, one project as they may see it, and its notebook's cells. */
export const projectsRouter = {
  list,
  get,
  addCell,
  updateCell,
  moveCell,
  renameCell,
  deleteCell,
} satisfies TRPCRouterRecord;
