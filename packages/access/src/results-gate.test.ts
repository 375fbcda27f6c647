import type { WorkspaceRole } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import type { Actor } from './actor';
import type { ConnectionFacts } from './connection-permissions';
import { decideProjectPermission } from './effective-permission';
import { decideResultsGate } from './results-gate';
import { anonymous, member, warehouse } from './testing/facts';

const ROLES: WorkspaceRole[] = ['admin', 'manager', 'editor', 'explorer', 'viewer', 'guest'];

/** A second connection, so a result can derive from more than one. */
const crm = (overrides: Partial<ConnectionFacts> = {}): ConnectionFacts =>
  warehouse({ id: 'con_crm', name: 'crm', ...overrides });

const financeOnly: Partial<ConnectionFacts> = { canQuery: ['grp_finance'], canViewResults: ['grp_finance'] };

type Row = {
  name: string;
  reader: Actor;
  connections: ConnectionFacts[];
  /** null: allowed; otherwise the name of the connection that refuses. */
  refusedBy: string | null;
};

const rows: Row[] = [
  // Admins always pass, whatever the connections say.
  {
    name: 'passes an Admin on connections limited to other groups',
    reader: member('admin'),
    connections: [warehouse({ canQuery: ['grp_finance'], canViewResults: [] }), crm(financeOnly)],
    refusedBy: null,
  },
  // The seed's defaults: everyone (Public included) has Can view results.
  ...ROLES.map(
    (role): Row => ({
      name: `passes a member with the ${role} role on connections left at their defaults`,
      reader: member(role),
      connections: [warehouse(), crm()],
      refusedBy: null,
    }),
  ),
  {
    name: 'passes an anonymous visitor on connections left at their defaults (Public holds Can view results)',
    reader: anonymous,
    connections: [warehouse(), crm()],
    refusedBy: null,
  },
  {
    name: 'passes an anonymous visitor where Public is listed for Can view results',
    reader: anonymous,
    connections: [warehouse({ canViewResults: ['public'] })],
    refusedBy: null,
  },
  {
    name: 'refuses an anonymous visitor where Can view results is limited to Workspace',
    reader: anonymous,
    connections: [warehouse({ canViewResults: ['workspace'] })],
    refusedBy: 'warehouse',
  },
  {
    name: 'refuses an anonymous visitor where Can view results is limited to a custom group',
    reader: anonymous,
    connections: [warehouse({ canQuery: ['workspace'], canViewResults: ['grp_finance'] })],
    refusedBy: 'warehouse',
  },
  {
    name: 'passes a member where Public is the only group with Can view results',
    reader: member('guest'),
    connections: [warehouse({ canQuery: ['grp_finance'], canViewResults: ['public'] })],
    refusedBy: null,
  },
  {
    name: 'passes a member whose group has only Can query (Can query implies Can view results)',
    reader: member('viewer', ['grp_data_team']),
    connections: [warehouse({ canQuery: ['grp_data_team'], canViewResults: ['grp_finance'] })],
    refusedBy: null,
  },
  {
    name: 'passes every non-guest member where Can query is left at Workspace and results are limited',
    reader: member('viewer'),
    connections: [warehouse({ canViewResults: ['grp_finance'] })],
    refusedBy: null,
  },
  {
    name: 'refuses a Guest where Can query is left at Workspace and results are limited to a group',
    reader: member('guest'),
    connections: [warehouse({ canViewResults: ['grp_finance'] })],
    refusedBy: 'warehouse',
  },
  {
    name: 'passes a member of the custom group listed for Can view results',
    reader: member('explorer', ['grp_finance']),
    connections: [warehouse(financeOnly)],
    refusedBy: null,
  },
  {
    name: 'refuses a Manager outside the groups of a connection limited to one group',
    reader: member('manager'),
    connections: [warehouse(financeOnly)],
    refusedBy: 'warehouse',
  },
  {
    name: 'refuses when only the second of two connections refuses, naming it',
    reader: member('editor'),
    connections: [warehouse(), crm(financeOnly)],
    refusedBy: 'crm',
  },
  {
    name: 'names the first refusing connection when several refuse',
    reader: member('editor'),
    connections: [crm(financeOnly), warehouse(financeOnly)],
    refusedBy: 'crm',
  },
  {
    name: 'passes a result that derives from no connection (a JS cell reading only inputs)',
    reader: anonymous,
    connections: [],
    refusedBy: null,
  },
];

describe('decideResultsGate', () => {
  for (const row of rows) {
    it(row.name, () => {
      const decision = decideResultsGate({ reader: row.reader, connections: row.connections });
      if (row.refusedBy === null) {
        expect(decision.allowed).toBe(true);
        if (decision.allowed) expect(decision.reasons).toHaveLength(row.connections.length);
      } else {
        expect(decision).toMatchObject({
          allowed: false,
          connection: { name: row.refusedBy },
          reason: {
            code: 'access.no_can_view_results',
            message: `No Can view results on connection '${row.refusedBy}'`,
          },
        });
      }
    });
  }

  it('says why a reader passes, per connection and in order', () => {
    const decision = decideResultsGate({
      reader: member('viewer', ['grp_data_team']),
      connections: [warehouse(), crm({ canQuery: ['grp_data_team'], canViewResults: ['grp_finance'] })],
    });
    expect(decision).toEqual({
      allowed: true,
      reasons: [
        { code: 'access.granted_to_group', message: "Everyone can view results of connection 'warehouse'" },
        {
          code: 'access.implied_by_can_query',
          message: "Can view results on connection 'crm' because you have Can query on it",
        },
      ],
    });
    const admin = decideResultsGate({ reader: member('admin'), connections: [crm(financeOnly)] });
    expect(admin).toEqual({
      allowed: true,
      reasons: [
        { code: 'access.admin_always', message: "Admins always have Can view results on connection 'crm'" },
      ],
    });
  });

  it('names the refusing connection by id and name', () => {
    const decision = decideResultsGate({ reader: anonymous, connections: [crm({ canViewResults: [] })] });
    expect(decision).toEqual({
      allowed: false,
      connection: { id: 'con_crm', name: 'crm' },
      reason: { code: 'access.no_can_view_results', message: "No Can view results on connection 'crm'" },
    });
  });

  it('agrees with the project rule: a reader it refuses finds the project closed', () => {
    const reader = member('editor');
    const connection = warehouse(financeOnly);
    expect(decideResultsGate({ reader, connections: [connection] }).allowed).toBe(false);
    const project = decideProjectPermission({
      actor: reader,
      grants: [{ to: { kind: 'group', groupId: 'workspace' }, permission: 'can_edit' }],
      assets: [],
      connections: [connection],
    });
    expect(project.effective).toBe('none');
  });
});
