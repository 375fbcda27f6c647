export type { Actor, AnonymousActor, GroupId, MemberActor } from './actor';
export { isAdmin } from './actor';
export type { AssetKind, WorkspaceAsset } from './asset-access';
export { ASSET_KIND_LABELS, assetsWithoutAccess, describeAsset, hasAssetAccess } from './asset-access';
export { grantablePermissions, projectCapabilities, workspaceCapabilities } from './capabilities';
export { decideConnectionImport, decideConnectionManagement } from './connection-management';
export { decideConnectionPermissionChange } from './connection-permission-change';
export type { ConnectionCheck, ConnectionDecision, ConnectionFacts } from './connection-permissions';
export {
  decideCanQuery,
  decideCanRefreshSchema,
  decideCanViewResults,
  decideConnectionPermissions,
} from './connection-permissions';
export { decideDuplicateProject } from './duplicate-project';
export type { ProjectDecision, ProjectFacts, ProjectGrant } from './effective-permission';
export { decideProjectPermission, grantedProjectPermission } from './effective-permission';
export type { GrantChange, GrantChannel } from './grant-change';
export { decideGrantChange } from './grant-change';
export type { GrantRoute } from './grant-routes';
export { grantRoutes } from './grant-routes';
export { BUILT_IN_GROUP_LABELS, describeGroup, groupsOf } from './group-membership';
export { projectPermissionRequiredBy } from './procedure-permission';
export { canSeeProjectLogic } from './project-logic';
export type { ProjectAccess } from './project-permission';
export {
  meetsProjectPermission,
  PROJECT_PERMISSION_LABELS,
  strongerOf,
  weakerOf,
} from './project-permission';
export type { Reason } from './reasons';
export type { ResultsGateDecision } from './results-gate';
export { decideResultsGate } from './results-gate';
export { decideGrant, decideShareManagement } from './share-management';
export type { AccessCheck, ShareTarget } from './share-permission';
export { canShareAtPermission } from './share-permission';
export type { WorkspaceAction } from './workspace-action';
export { decideWorkspaceAction, WORKSPACE_ACTIONS } from './workspace-action';
export { ROLE_PROJECT_CAP, WORKSPACE_ROLE_LABELS } from './workspace-role';
