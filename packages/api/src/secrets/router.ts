import type { TRPCRouterRecord } from '@trpc/server';
import { create } from './create';
import { deleteSecret } from './delete';
import { forProject } from './for-project';
import { importIntoProject } from './import-into-project';
import { list } from './list';
import { removeFromProject } from './remove-from-project';
import { update } from './update';
import { usage } from './usage';

/**
 * Shared secrets: Admins create, edit and delete them and choose the groups with access; editors
 * import the ones shared with them into projects. Values are write-only: accepted by create and
 * update, returned by nothing.
 */
export const secretsRouter = {
  list,
  create,
  update,
  delete: deleteSecret,
  usage,
  importIntoProject,
  removeFromProject,
  forProject,
} satisfies TRPCRouterRecord;
