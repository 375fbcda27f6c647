import type { TRPCRouterRecord } from '@trpc/server';
import { create } from './create';
import { createForProject } from './create-for-project';
import { deleteProcedure } from './delete';
import { forgetSshHostKey } from './forget-ssh-host-key';
import { get } from './get';
import { identitySetup } from './identity-setup';
import { importIntoProject } from './import-into-project';
import { invalidateCache } from './invalidate-cache';
import { kinds } from './kinds';
import { list } from './list';
import { permissions } from './permissions';
import { previewPermissions } from './preview-permissions';
import { projectConnectionsSetting } from './project-connections-setting';
import { removeFromProject } from './remove-from-project';
import { setCachePolicy } from './set-cache-policy';
import { setDefault } from './set-default';
import { setProjectConnectionsEnabled } from './set-project-connections-enabled';
import { testConnection } from './test-connection';
import { testNew } from './test-new';
import { testNewForProject } from './test-new-for-project';
import { update } from './update';
import { updatePermissions } from './update-permissions';
import { usage } from './usage';

/**
 * Data connections: the connector kinds, workspace and project connections (create, edit, test,
 * delete, import), their permission facts and the workspace switch for project connections.
 * Credentials are write-only: no procedure returns one.
 */
export const connectionsRouter = {
  kinds,
  list,
  get,
  create,
  createForProject,
  update,
  delete: deleteProcedure,
  usage,
  setDefault,
  test: testConnection,
  forgetSshHostKey,
  identitySetup,
  testNew,
  testNewForProject,
  importIntoProject,
  removeFromProject,
  permissions,
  previewPermissions,
  updatePermissions,
  projectConnectionsSetting,
  setProjectConnectionsEnabled,
  setCachePolicy,
  invalidateCache,
} satisfies TRPCRouterRecord;
