import type { TRPCRouterRecord } from '@trpc/server';
import { addMember } from './add-member';
import { create } from './create';
import { deleteGroup } from './delete';
import { list, options } from './list';
import { removeMember } from './remove-member';
import { rename } from './rename';

/**
 * Custom groups: Admins make and fill them; every member can list them to share with. The built-in
 * groups (Workspace, Workspace guests, Public) follow roles and are not rows here.
 */
export const groupsRouter = {
  list,
  options,
  create,
  rename,
  delete: deleteGroup,
  addMember,
  removeMember,
} satisfies TRPCRouterRecord;
