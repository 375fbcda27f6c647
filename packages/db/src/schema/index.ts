export { apiTokens } from './api-tokens';
export { auditChainHeads, auditEvents } from './audit-events';
export {
  connectionCredentialsContext,
  connectionIsDefault,
  connectionProbeContext,
  connectionProbes,
  connections,
} from './connections';
export { groupMembers, groups } from './groups';
export { invites } from './invites';
export { cells, projectConnections, projectGrants, projects } from './projects';
export { resultCacheChunks, resultCacheEntries, resultCacheKeys } from './result-cache';
export { runChunks, runFailed, runIsActive, runSessionKeyContext, runs } from './runs';
export { schemaColumns, schemaRefreshes, schemaRefreshIsActive, schemaTables } from './schema-catalog';
export { projectSecrets, secrets, secretValueContext } from './secrets';
export { sessions } from './sessions';
export { signInAttempts } from './sign-in-attempts';
export { ssoConsumedFlows, ssoProviders, userIdentities } from './sso';
export { users } from './users';
export { workspaceMembers } from './workspace-members';
export { workspaces } from './workspaces';
