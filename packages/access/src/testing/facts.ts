import type { WorkspaceRole } from '@quarry/contracts';
import type { AnonymousActor, GroupId, MemberActor } from '../actor';
import type { WorkspaceAsset } from '../asset-access';
import type { ConnectionFacts } from '../connection-permissions';
import type { ProjectFacts, ProjectGrant } from '../effective-permission';
import type { ProjectAccess } from '../project-permission';

/** Test builders: small, explicit facts for the engine. */

export const member = (
  role: WorkspaceRole,
  customGroupIds: GroupId[] = [],
  userId = 'usr_ada',
): MemberActor => ({
  kind: 'member',
  userId,
  role,
  customGroupIds,
});

export const anonymous: AnonymousActor = { kind: 'anonymous' };

export const toUser = (permission: ProjectGrant['permission'], userId = 'usr_ada'): ProjectGrant => ({
  to: { kind: 'user', userId },
  permission,
});

export const toGroup = (permission: ProjectGrant['permission'], groupId: GroupId): ProjectGrant => ({
  to: { kind: 'group', groupId },
  permission,
});

/** The 'warehouse' workspace connection with the seed's defaults, as a connection. */
export const warehouse = (overrides: Partial<ConnectionFacts> = {}): ConnectionFacts => ({
  id: 'con_warehouse',
  name: 'warehouse',
  canQuery: 'workspace_default',
  canViewResults: 'everyone',
  canRefreshSchema: 'can_query',
  ...overrides,
});

/** The same 'warehouse' connection, as a workspace asset (default: shared with Workspace). */
export const warehouseAsset = (groupsWithAccess: GroupId[] = ['workspace']): WorkspaceAsset => ({
  kind: 'connection',
  id: 'con_warehouse',
  name: 'warehouse',
  groupsWithAccess,
});

/**
 * A project that imports the 'warehouse' connection. `assetGroups` sets who may use it as an asset;
 * `connection` overrides its Can query / Can view results settings.
 */
export const project = ({
  actor,
  grants,
  assetGroups = ['workspace'],
  connection = {},
  extraAssets = [],
  isProjectOwner,
}: {
  actor: ProjectFacts['actor'];
  grants: ProjectGrant[];
  assetGroups?: GroupId[];
  connection?: Partial<ConnectionFacts>;
  extraAssets?: WorkspaceAsset[];
  isProjectOwner?: boolean;
}): ProjectFacts => ({
  actor,
  grants,
  assets: [warehouseAsset(assetGroups), ...extraAssets],
  connections: [warehouse(connection)],
  ...(isProjectOwner === undefined ? {} : { isProjectOwner }),
});

/** One table row: facts in, the expected decision out (reason codes in order, messages optional). */
export type DecisionCase = {
  name: string;
  facts: ProjectFacts;
  effective: ProjectAccess;
  granted?: ProjectAccess;
  codes?: string[];
  messages?: string[];
};
