export { apiTokens } from './api-tokens';
export { auditEvents } from './audit-events';
export { connectionCredentialsContext, connections } from './connections';
export { cells, projectConnections, projectGrants, projects } from './projects';
export { runChunks, runs } from './runs';
export { sessions } from './sessions';
export { users } from './users';
export { workspaceMembers } from './workspace-members';
export { workspaces } from './workspaces';
