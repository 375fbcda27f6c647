import type { WorkspaceRole } from '@quarry/contracts';
import type { Actor } from './actor';
import { isAdmin } from './actor';
import type { WorkspaceAsset } from './asset-access';
import { describeAsset, hasAssetAccess } from './asset-access';
import type { ConnectionFacts } from './connection-permissions';
import { decideCanQuery } from './connection-permissions';
import type { ProjectAccess } from './project-permission';
import { meetsProjectPermission } from './project-permission';
import type { AccessCheck } from './share-permission';
import { decideWorkspaceAction } from './workspace-action';

/**
 * Who may edit, test, delete a connection and see its settings: Admins for a workspace connection
 * (central credentials); for a project connection, whoever holds Can edit on its project (the
 * engine's effective permission, every downgrade applied) and has a role that may create project
 * connections while the workspace allows them. Admins manage every connection.
 */
export const decideConnectionManagement = (
  facts:
    | { role: WorkspaceRole; scope: 'workspace' }
    | {
        role: WorkspaceRole;
        scope: 'project';
        /** The caller's effective permission on the connection's project. */
        projectPermission: ProjectAccess;
        projectConnectionsEnabled: boolean;
      },
): AccessCheck => {
  if (facts.role === 'admin') return { allowed: true };
  if (facts.scope === 'workspace') {
    return {
      allowed: false,
      reason: {
        code: 'access.role_not_allowed',
        message: 'Only Admins can manage workspace data connections',
      },
    };
  }
  const create = decideWorkspaceAction({
    role: facts.role,
    action: 'connection:create_project',
    projectConnectionsEnabled: facts.projectConnectionsEnabled,
  });
  if (!create.allowed) return create;
  if (!meetsProjectPermission(facts.projectPermission, 'can_edit')) {
    return {
      allowed: false,
      reason: {
        code: 'access.cannot_manage_connection',
        message: 'Managing a project data connection needs Can edit on its project',
      },
    };
  }
  return { allowed: true };
};

/**
 * May this member import a workspace connection into a project they can edit? They need access to
 * it (one of its groups) and Can query on it: otherwise importing it would only downgrade them.
 */
export const decideConnectionImport = ({
  actor,
  asset,
  connection,
}: {
  actor: Actor;
  asset: WorkspaceAsset;
  connection: ConnectionFacts;
}): AccessCheck => {
  if (isAdmin(actor)) return { allowed: true };
  if (!hasAssetAccess(actor, asset)) {
    return {
      allowed: false,
      reason: {
        code: 'access.no_asset_access',
        message: `You have no access to ${describeAsset(asset)}`,
      },
    };
  }
  const canQuery = decideCanQuery(actor, connection);
  if (!canQuery.allowed) return { allowed: false, reason: canQuery.reason };
  return { allowed: true };
};
