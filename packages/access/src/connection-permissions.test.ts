import { describe, expect, it } from 'vitest';
import type { Actor } from './actor';
import type { ConnectionFacts } from './connection-permissions';
import { decideConnectionPermissions } from './connection-permissions';
import { anonymous, member, warehouse } from './testing/facts';

type Row = {
  name: string;
  actor: Actor;
  connection: ConnectionFacts;
  canQuery: boolean;
  canViewResults: boolean;
  canRefreshSchema: boolean;
};

const restricted = warehouse({ canQuery: ['grp_data_team'], canViewResults: ['grp_finance'] });
const adminsRefresh = warehouse({ canRefreshSchema: 'admins_only' });

const rows: Row[] = [
  {
    name: 'gives every non-guest member Can query, Can view results and Can refresh schema by default',
    actor: member('viewer'),
    connection: warehouse(),
    canQuery: true,
    canViewResults: true,
    canRefreshSchema: true,
  },
  {
    name: 'withholds Can query from a Guest by default but lets them view results',
    actor: member('guest'),
    connection: warehouse(),
    canQuery: false,
    canViewResults: true,
    canRefreshSchema: false,
  },
  {
    name: 'gives a Guest Can query once Workspace guests is added to it',
    actor: member('guest'),
    connection: warehouse({ canQuery: ['workspace', 'workspace_guests'] }),
    canQuery: true,
    canViewResults: true,
    canRefreshSchema: true,
  },
  {
    name: 'lets an anonymous visitor view results by default, and nothing else',
    actor: anonymous,
    connection: warehouse(),
    canQuery: false,
    canViewResults: true,
    canRefreshSchema: false,
  },
  {
    name: 'lets an anonymous visitor view results when Public has Can view results',
    actor: anonymous,
    connection: warehouse({ canViewResults: ['public'] }),
    canQuery: false,
    canViewResults: true,
    canRefreshSchema: false,
  },
  {
    name: 'refuses results to an anonymous visitor when Public is left out of Can view results',
    actor: anonymous,
    connection: warehouse({ canViewResults: ['workspace'] }),
    canQuery: false,
    canViewResults: false,
    canRefreshSchema: false,
  },
  {
    name: 'gives an Admin all three on a connection limited to other groups',
    actor: member('admin'),
    connection: { ...restricted, canRefreshSchema: 'admins_only' },
    canQuery: true,
    canViewResults: true,
    canRefreshSchema: true,
  },
  {
    name: 'refuses an Editor outside the Can query and Can view results groups',
    actor: member('editor'),
    connection: restricted,
    canQuery: false,
    canViewResults: false,
    canRefreshSchema: false,
  },
  {
    name: 'gives Can view results to a group that has only Can query',
    actor: member('editor', ['grp_data_team']),
    connection: restricted,
    canQuery: true,
    canViewResults: true,
    canRefreshSchema: true,
  },
  {
    name: 'gives Can view results, not Can query, to a group listed only for results',
    actor: member('viewer', ['grp_finance']),
    connection: restricted,
    canQuery: false,
    canViewResults: true,
    canRefreshSchema: false,
  },
  {
    name: 'reserves schema refresh to Admins when set to Admins only',
    actor: member('manager'),
    connection: adminsRefresh,
    canQuery: true,
    canViewResults: true,
    canRefreshSchema: false,
  },
];

describe('decideConnectionPermissions', () => {
  for (const row of rows) {
    it(row.name, () => {
      const decision = decideConnectionPermissions({ actor: row.actor, connection: row.connection });
      expect({
        canQuery: decision.canQuery.allowed,
        canViewResults: decision.canViewResults.allowed,
        canRefreshSchema: decision.canRefreshSchema.allowed,
      }).toEqual({
        canQuery: row.canQuery,
        canViewResults: row.canViewResults,
        canRefreshSchema: row.canRefreshSchema,
      });
    });
  }

  it('says why, naming the connection and the group', () => {
    const refused = decideConnectionPermissions({ actor: member('editor'), connection: restricted });
    expect(refused.canQuery.reason).toEqual({
      code: 'access.no_can_query',
      message: "No Can query on connection 'warehouse'",
    });
    expect(refused.canViewResults.reason).toEqual({
      code: 'access.no_can_view_results',
      message: "No Can view results on connection 'warehouse'",
    });
    expect(refused.canRefreshSchema.reason.code).toBe('access.no_can_query');

    const granted = decideConnectionPermissions({ actor: member('editor'), connection: warehouse() });
    expect(granted.canQuery.reason).toEqual({
      code: 'access.granted_to_group',
      message: "Can query on connection 'warehouse' through the group 'Workspace'",
    });
    expect(granted.canViewResults.reason.code).toBe('access.granted_to_group');
    expect(granted.canRefreshSchema.reason.code).toBe('access.implied_by_can_query');

    const implied = decideConnectionPermissions({
      actor: member('editor', ['grp_data_team']),
      connection: restricted,
    });
    expect(implied.canViewResults.reason.code).toBe('access.implied_by_can_query');

    const admin = decideConnectionPermissions({ actor: member('admin'), connection: restricted });
    expect(admin.canQuery.reason.code).toBe('access.admin_always');
    expect(admin.canViewResults.reason.code).toBe('access.admin_always');

    const adminsOnly = decideConnectionPermissions({ actor: member('editor'), connection: adminsRefresh });
    expect(adminsOnly.canRefreshSchema.reason).toEqual({
      code: 'access.refresh_admins_only',
      message: "Only Admins can refresh the schema of connection 'warehouse'",
    });
  });
});
