import {
  CanRefreshSchema,
  ConnectionScope,
  ProjectPermission,
  RunStatus,
  SsoKind,
  WorkspaceRole,
} from '@quarry/contracts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { connections } from './connections';
import { invites } from './invites';
import { projectGrants } from './projects';
import { runs } from './runs';
import { ssoProviders } from './sso';
import { workspaceMembers } from './workspace-members';
import { workspaces } from './workspaces';

/**
 * Columns with a fixed set of values type as the contracts' unions, so no reader casts a row's
 * `role` or `status`; the columns stay `text`, so a new value needs no migration.
 */
describe('enum columns follow the contracts', () => {
  it.each([
    ['workspace_members.role', workspaceMembers.role.enumValues, WorkspaceRole.options],
    ['invites.role', invites.role.enumValues, WorkspaceRole.options],
    ['workspaces.sso_default_role', workspaces.ssoDefaultRole.enumValues, WorkspaceRole.options],
    ['runs.status', runs.status.enumValues, RunStatus.options],
    ['sso_providers.kind', ssoProviders.kind.enumValues, SsoKind.options],
    ['connections.scope', connections.scope.enumValues, ConnectionScope.options],
    ['connections.can_refresh_schema', connections.canRefreshSchema.enumValues, CanRefreshSchema.options],
    ['project_grants.permission', projectGrants.permission.enumValues, ProjectPermission.options],
  ])('%s holds exactly the contract values', (_column, values, contract) => {
    expect(values).toEqual(contract);
    expect(values.length).toBeGreaterThan(0);
  });

  it('types rows as the contract unions (checked by tsc)', () => {
    expectTypeOf<typeof workspaceMembers.$inferSelect.role>().toEqualTypeOf<WorkspaceRole>();
    expectTypeOf<typeof runs.$inferSelect.status>().toEqualTypeOf<RunStatus>();
    expectTypeOf<typeof projectGrants.$inferSelect.permission>().toEqualTypeOf<ProjectPermission>();
    expectTypeOf<typeof ssoProviders.$inferSelect.kind>().toEqualTypeOf<SsoKind>();
    expectTypeOf<typeof connections.$inferSelect.scope>().toEqualTypeOf<ConnectionScope>();
  });
});
