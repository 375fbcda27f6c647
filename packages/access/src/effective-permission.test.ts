import { describe, expect, it } from 'vitest';
import { decideProjectPermission } from './effective-permission';
import type { DecisionCase } from './testing/facts';
import { anonymous, member, project, toGroup, toUser } from './testing/facts';

const check = (row: DecisionCase): void => {
  const decision = decideProjectPermission(row.facts);
  expect(decision.effective).toBe(row.effective);
  if (row.granted !== undefined) expect(decision.granted).toBe(row.granted);
  expect(decision.reasons.map((reason) => reason.code)).toEqual(row.codes ?? []);
  if (row.messages !== undefined)
    expect(decision.reasons.map((reason) => reason.message)).toEqual(row.messages);
};

/** One `it` per row, named by the row's sentence. */
const table = (rows: DecisionCase[]): void => {
  for (const row of rows) it(row.name, () => check(row));
};

describe('the seed table: workspace role × project permission × access to the data connection', () => {
  table([
    {
      name: 'keeps an Editor with Can edit and access to the connection at Can edit',
      facts: project({ actor: member('editor'), grants: [toUser('can_edit')] }),
      effective: 'can_edit',
    },
    {
      name: 'keeps an Editor with Full access and access to the connection at Full access',
      facts: project({ actor: member('editor'), grants: [toUser('full_access')] }),
      effective: 'full_access',
    },
    {
      name: 'downgrades an Editor with Can edit without access to the connection to Can view',
      facts: project({
        actor: member('editor'),
        grants: [toUser('can_edit')],
        assetGroups: ['grp_data_team'],
      }),
      effective: 'can_view',
      granted: 'can_edit',
      codes: ['access.downgraded_no_asset_access'],
      messages: ["Downgraded to Can view: no access to connection 'warehouse'"],
    },
    {
      name: 'downgrades an Editor with Full access without access to the connection to Can view',
      facts: project({
        actor: member('editor'),
        grants: [toUser('full_access')],
        assetGroups: ['grp_data_team'],
      }),
      effective: 'can_view',
      granted: 'full_access',
      codes: ['access.downgraded_no_asset_access'],
      messages: ["Downgraded to Can view: no access to connection 'warehouse'"],
    },
    {
      name: 'keeps an Admin with Can edit at Can edit, since Admins inherit access to every asset',
      facts: project({
        actor: member('admin'),
        grants: [toUser('can_edit')],
        assetGroups: ['grp_data_team'],
        connection: { canQuery: ['grp_data_team'], canViewResults: ['grp_data_team'] },
      }),
      effective: 'can_edit',
    },
    {
      name: 'keeps an Admin with Full access at Full access, since Admins inherit access to every asset',
      facts: project({
        actor: member('admin'),
        grants: [toUser('full_access')],
        assetGroups: ['grp_data_team'],
        connection: { canQuery: ['grp_data_team'], canViewResults: ['grp_data_team'] },
      }),
      effective: 'full_access',
    },
  ]);
});

describe('grants', () => {
  table([
    {
      name: 'closes a project that is not shared with the member',
      facts: project({ actor: member('editor'), grants: [] }),
      effective: 'none',
      granted: 'none',
      codes: ['access.no_grant'],
      messages: ['This project is not shared with you'],
    },
    {
      name: 'ignores a grant to another user',
      facts: project({ actor: member('editor'), grants: [toUser('full_access', 'usr_bob')] }),
      effective: 'none',
      codes: ['access.no_grant'],
    },
    {
      name: 'gives the creator of the project Full access',
      facts: project({ actor: member('editor'), grants: [], isProjectOwner: true }),
      effective: 'full_access',
      granted: 'full_access',
    },
    {
      name: 'gives a member of two groups the higher of their two grants',
      facts: project({
        actor: member('editor', ['grp_a', 'grp_b']),
        grants: [toGroup('can_view', 'grp_a'), toGroup('can_edit', 'grp_b')],
      }),
      effective: 'can_edit',
      granted: 'can_edit',
    },
    {
      name: 'prefers a higher group grant over a lower direct grant',
      facts: project({
        actor: member('editor'),
        grants: [toUser('can_view'), toGroup('can_edit', 'workspace')],
      }),
      effective: 'can_edit',
    },
    {
      name: 'prefers a higher direct grant over a lower group grant',
      facts: project({
        actor: member('editor'),
        grants: [toUser('full_access'), toGroup('can_explore', 'workspace')],
      }),
      effective: 'full_access',
    },
    {
      name: 'ignores a grant to a custom group the member is not in',
      facts: project({ actor: member('editor', ['grp_a']), grants: [toGroup('can_edit', 'grp_b')] }),
      effective: 'none',
      codes: ['access.no_grant'],
    },
    {
      name: 'lets a grant to Public reach every member',
      facts: project({ actor: member('editor'), grants: [toGroup('can_view', 'public')] }),
      effective: 'can_view',
    },
    {
      name: 'takes the highest of two group grants first, then downgrades it for a missing asset',
      facts: project({
        actor: member('editor', ['grp_a', 'grp_b']),
        grants: [toGroup('can_explore', 'grp_a'), toGroup('full_access', 'grp_b')],
        assetGroups: ['grp_data_team'],
      }),
      effective: 'can_view',
      granted: 'full_access',
      codes: ['access.downgraded_no_asset_access'],
    },
  ]);
});

describe('Admins (explicit choice: a grant is honoured as-is, no grant at all opens with Full access)', () => {
  table([
    {
      name: 'opens a project not shared with an Admin with Full access, and says why',
      facts: project({ actor: member('admin'), grants: [] }),
      effective: 'full_access',
      granted: 'none',
      codes: ['access.admin_full_access'],
      messages: [
        'Full access as an Admin: the project is not shared with you, but Admins can manage every project',
      ],
    },
    {
      name: 'keeps an Admin reached only by a Can view grant at Can view, as granted',
      facts: project({ actor: member('admin'), grants: [toGroup('can_view', 'workspace')] }),
      effective: 'can_view',
      granted: 'can_view',
    },
    {
      name: 'never closes a project to an Admin for Can view results',
      facts: project({
        actor: member('admin'),
        grants: [toUser('can_view')],
        connection: { canQuery: [], canViewResults: [] },
      }),
      effective: 'can_view',
    },
  ]);
});

describe('role caps', () => {
  table([
    {
      name: 'caps a Viewer granted Can edit at Can view, with the reason',
      facts: project({ actor: member('viewer'), grants: [toUser('can_edit')] }),
      effective: 'can_view',
      granted: 'can_edit',
      codes: ['access.capped_by_role'],
      messages: ['Capped at Can view: the Viewer role allows at most Can view'],
    },
    {
      name: 'caps a Viewer granted Full access at Can view',
      facts: project({ actor: member('viewer'), grants: [toUser('full_access')] }),
      effective: 'can_view',
      codes: ['access.capped_by_role'],
    },
    {
      name: 'leaves a Viewer granted Can view alone',
      facts: project({ actor: member('viewer'), grants: [toUser('can_view')] }),
      effective: 'can_view',
    },
    {
      name: 'caps an Explorer granted Can edit at Can explore, with the reason',
      facts: project({ actor: member('explorer'), grants: [toUser('can_edit')] }),
      effective: 'can_explore',
      codes: ['access.capped_by_role'],
      messages: ['Capped at Can explore: the Explorer role allows at most Can explore'],
    },
    {
      name: 'caps an Explorer granted Full access at Can explore',
      facts: project({ actor: member('explorer'), grants: [toUser('full_access')] }),
      effective: 'can_explore',
      codes: ['access.capped_by_role'],
    },
    {
      name: 'leaves an Explorer granted Can explore alone',
      facts: project({ actor: member('explorer'), grants: [toUser('can_explore')] }),
      effective: 'can_explore',
    },
    {
      name: 'leaves a Manager granted Full access uncapped',
      facts: project({ actor: member('manager'), grants: [toUser('full_access')] }),
      effective: 'full_access',
    },
    {
      name: 'does not also downgrade a capped Explorer for a missing asset, since they cannot edit anyway',
      facts: project({
        actor: member('explorer'),
        grants: [toUser('can_edit')],
        assetGroups: ['grp_data_team'],
      }),
      effective: 'can_explore',
      codes: ['access.capped_by_role'],
    },
    {
      name: 'caps a Viewer even on a project they created',
      facts: project({ actor: member('viewer'), grants: [], isProjectOwner: true }),
      effective: 'can_view',
      granted: 'full_access',
      codes: ['access.capped_by_role'],
    },
  ]);
});

describe('Guests', () => {
  table([
    {
      name: 'does not let a project shared with Workspace reach a Guest',
      facts: project({ actor: member('guest'), grants: [toGroup('can_edit', 'workspace')] }),
      effective: 'none',
      codes: ['access.no_grant'],
    },
    {
      name: 'ignores a built-in group id slipped into a Guest’s custom groups',
      facts: project({ actor: member('guest', ['workspace']), grants: [toGroup('can_edit', 'workspace')] }),
      effective: 'none',
      codes: ['access.no_grant'],
    },
    {
      name: 'lets a grant to Workspace guests reach a Guest',
      facts: project({ actor: member('guest'), grants: [toGroup('can_view', 'workspace_guests')] }),
      effective: 'can_view',
    },
    {
      name: 'lets a grant to a custom group reach a Guest in it',
      facts: project({
        actor: member('guest', ['grp_candidates']),
        grants: [toGroup('can_view', 'grp_candidates')],
      }),
      effective: 'can_view',
    },
    {
      name: 'does not let a grant to Workspace guests reach an Editor',
      facts: project({ actor: member('editor'), grants: [toGroup('can_view', 'workspace_guests')] }),
      effective: 'none',
      codes: ['access.no_grant'],
    },
    {
      name: 'downgrades a Guest with Can edit to Can view when the connection is shared with Workspace only',
      facts: project({ actor: member('guest'), grants: [toUser('can_edit')] }),
      effective: 'can_view',
      codes: ['access.downgraded_no_asset_access'],
      messages: ["Downgraded to Can view: no access to connection 'warehouse'"],
    },
    {
      name: 'downgrades a Guest with asset access but default Can query to Can explore',
      facts: project({
        actor: member('guest'),
        grants: [toUser('can_edit')],
        assetGroups: ['workspace', 'workspace_guests'],
      }),
      effective: 'can_explore',
      codes: ['access.downgraded_no_can_query'],
    },
    {
      name: 'keeps a Guest at Can edit once Workspace guests is on the connection and its Can query',
      facts: project({
        actor: member('guest'),
        grants: [toUser('can_edit')],
        assetGroups: ['workspace', 'workspace_guests'],
        connection: { canQuery: ['workspace', 'workspace_guests'] },
      }),
      effective: 'can_edit',
    },
    {
      name: 'keeps a Guest at Full access (Guests are not capped by role)',
      facts: project({
        actor: member('guest'),
        grants: [toUser('full_access')],
        assetGroups: ['workspace_guests'],
        connection: { canQuery: ['workspace_guests'] },
      }),
      effective: 'full_access',
    },
    {
      name: 'closes a project to a Guest when Can view results is limited to Workspace',
      facts: project({
        actor: member('guest'),
        grants: [toUser('can_view')],
        connection: { canViewResults: ['workspace'] },
      }),
      effective: 'none',
      codes: ['access.closed_no_can_view_results'],
    },
  ]);
});

describe('workspace asset access', () => {
  table([
    {
      name: 'keeps an Editor in the custom group the connection is shared with at Can edit',
      facts: project({
        actor: member('editor', ['grp_data_team']),
        grants: [toUser('can_edit')],
        assetGroups: ['grp_data_team'],
        connection: { canQuery: ['grp_data_team'] },
      }),
      effective: 'can_edit',
    },
    {
      name: 'names every asset the Editor cannot use, one reason each',
      facts: project({
        actor: member('editor'),
        grants: [toUser('can_edit')],
        extraAssets: [
          { kind: 'secret', id: 'sec_1', name: 'stripe_key', groupsWithAccess: ['grp_finance'] },
          { kind: 'git_package', id: 'pkg_1', name: 'etl-utils', groupsWithAccess: ['grp_data_team'] },
          { kind: 'file_integration', id: 'fil_1', name: 's3-exports', groupsWithAccess: ['workspace'] },
        ],
      }),
      effective: 'can_view',
      codes: ['access.downgraded_no_asset_access', 'access.downgraded_no_asset_access'],
      messages: [
        "Downgraded to Can view: no access to secret 'stripe_key'",
        "Downgraded to Can view: no access to Git package 'etl-utils'",
      ],
    },
    {
      name: 'lets everyone use an asset shared with Public',
      facts: project({
        actor: member('guest'),
        grants: [toUser('can_edit')],
        assetGroups: ['public'],
        connection: { canQuery: ['public'] },
      }),
      effective: 'can_edit',
    },
    {
      name: 'leaves Can explore alone when the member cannot use an asset',
      facts: project({
        actor: member('editor'),
        grants: [toUser('can_explore')],
        assetGroups: ['grp_data_team'],
      }),
      effective: 'can_explore',
    },
    {
      name: 'leaves Can view alone when a Viewer cannot use an asset',
      facts: project({
        actor: member('viewer'),
        grants: [toUser('can_view')],
        assetGroups: ['grp_data_team'],
      }),
      effective: 'can_view',
    },
  ]);
});

describe('Can query', () => {
  table([
    {
      name: 'downgrades an Editor with Can edit but no Can query on the connection to Can explore',
      facts: project({
        actor: member('editor'),
        grants: [toUser('can_edit')],
        connection: { canQuery: ['grp_data_team'] },
      }),
      effective: 'can_explore',
      codes: ['access.downgraded_no_can_query'],
      messages: ["Downgraded to Can explore: no Can query on connection 'warehouse'"],
    },
    {
      name: 'downgrades an Editor with Full access but no Can query to Can explore',
      facts: project({
        actor: member('editor'),
        grants: [toUser('full_access')],
        connection: { canQuery: ['grp_data_team'] },
      }),
      effective: 'can_explore',
      codes: ['access.downgraded_no_can_query'],
    },
    {
      name: 'keeps an Editor in a group with Can query at Can edit',
      facts: project({
        actor: member('editor', ['grp_data_team']),
        grants: [toUser('can_edit')],
        connection: { canQuery: ['grp_data_team'] },
      }),
      effective: 'can_edit',
    },
    {
      name: 'gives Can query to every non-guest member by default',
      facts: project({ actor: member('manager'), grants: [toUser('full_access')] }),
      effective: 'full_access',
    },
    {
      name: 'leaves Can explore alone without Can query',
      facts: project({
        actor: member('editor'),
        grants: [toUser('can_explore')],
        connection: { canQuery: ['grp_data_team'] },
      }),
      effective: 'can_explore',
    },
    {
      name: 'applies the asset rule before Can query, so only the asset downgrade is reported',
      facts: project({
        actor: member('editor'),
        grants: [toUser('can_edit')],
        assetGroups: ['grp_data_team'],
        connection: { canQuery: ['grp_data_team'] },
      }),
      effective: 'can_view',
      codes: ['access.downgraded_no_asset_access'],
    },
  ]);
});

describe('project data connections switched off by an Admin', () => {
  const off = (facts: ReturnType<typeof project>) => ({ ...facts, projectConnectionsEnabled: false });
  table([
    {
      name: 'downgrades an Editor with Can edit on a project using a project connection to Can explore',
      facts: off(
        project({ actor: member('editor'), grants: [toUser('can_edit')], connection: { scope: 'project' } }),
      ),
      effective: 'can_explore',
      codes: ['access.project_connections_disabled'],
      messages: [
        "Downgraded to Can explore: project data connections are switched off in this workspace (connection 'warehouse')",
      ],
    },
    {
      name: 'leaves a project that uses only workspace connections alone',
      facts: off(project({ actor: member('editor'), grants: [toUser('full_access')] })),
      effective: 'full_access',
    },
    {
      name: 'leaves a project connection working while the switch is on',
      facts: project({
        actor: member('editor'),
        grants: [toUser('can_edit')],
        connection: { scope: 'project' },
      }),
      effective: 'can_edit',
    },
    {
      name: 'keeps an Admin at their grant, since Admins can switch project connections back on',
      facts: off(
        project({ actor: member('admin'), grants: [toUser('can_edit')], connection: { scope: 'project' } }),
      ),
      effective: 'can_edit',
    },
    {
      name: 'leaves Can view holders their view of the app',
      facts: off(
        project({ actor: member('editor'), grants: [toUser('can_view')], connection: { scope: 'project' } }),
      ),
      effective: 'can_view',
    },
  ]);
});

describe('Can view results', () => {
  table([
    {
      name: 'closes the project to a Viewer without Can view results on the connection',
      facts: project({
        actor: member('viewer'),
        grants: [toUser('can_view')],
        connection: { canQuery: ['grp_data_team'], canViewResults: ['grp_finance'] },
      }),
      effective: 'none',
      granted: 'can_view',
      codes: ['access.closed_no_can_view_results'],
      messages: ["No access: no Can view results on connection 'warehouse'"],
    },
    {
      name: 'keeps the project open to a member whose Can query brings Can view results',
      facts: project({
        actor: member('editor'),
        grants: [toUser('can_edit')],
        connection: { canViewResults: ['grp_finance'] },
      }),
      effective: 'can_edit',
    },
    {
      name: 'keeps the project open to a member of a group with Can view results',
      facts: project({
        actor: member('viewer', ['grp_finance']),
        grants: [toUser('can_view')],
        connection: { canQuery: [], canViewResults: ['grp_finance'] },
      }),
      effective: 'can_view',
    },
    {
      name: 'returns every reason that applied: the asset downgrade, then the closure',
      facts: project({
        actor: member('editor', ['grp_a', 'grp_b']),
        grants: [toGroup('can_view', 'grp_a'), toGroup('full_access', 'grp_b')],
        assetGroups: ['grp_data_team'],
        connection: { canQuery: ['grp_data_team'], canViewResults: ['grp_finance'] },
      }),
      effective: 'none',
      granted: 'full_access',
      codes: ['access.downgraded_no_asset_access', 'access.closed_no_can_view_results'],
    },
    {
      name: 'returns every reason that applied: the Can query downgrade, then the closure',
      facts: project({
        actor: member('editor'),
        grants: [toUser('full_access')],
        connection: { canQuery: ['grp_data_team'], canViewResults: ['grp_finance'] },
      }),
      effective: 'none',
      codes: ['access.downgraded_no_can_query', 'access.closed_no_can_view_results'],
    },
    {
      name: 'returns the role cap and the closure for a Viewer granted Can edit without Can view results',
      facts: project({
        actor: member('viewer'),
        grants: [toUser('can_edit')],
        connection: { canQuery: [], canViewResults: ['grp_finance'] },
      }),
      effective: 'none',
      codes: ['access.capped_by_role', 'access.closed_no_can_view_results'],
    },
  ]);

  it('closes the project when any one of several imported connections withholds results', () => {
    const facts = project({ actor: member('editor'), grants: [toUser('can_edit')] });
    const decision = decideProjectPermission({
      ...facts,
      connections: [
        ...facts.connections,
        {
          id: 'con_payroll',
          name: 'payroll',
          canQuery: ['grp_hr'],
          canViewResults: ['grp_hr'],
          canRefreshSchema: 'admins_only',
        },
      ],
    });
    expect(decision.effective).toBe('none');
    expect(decision.reasons.map((reason) => reason.message)).toEqual([
      "Downgraded to Can explore: no Can query on connection 'payroll'",
      "No access: no Can view results on connection 'payroll'",
    ]);
  });
});

describe('anonymous visitors of an app shared with the web', () => {
  table([
    {
      name: 'opens an app shared with Public to an anonymous visitor at Can view',
      facts: project({ actor: anonymous, grants: [toGroup('can_view', 'public')] }),
      effective: 'can_view',
    },
    {
      name: 'closes an app not shared with Public to an anonymous visitor',
      facts: project({ actor: anonymous, grants: [toGroup('can_view', 'workspace')] }),
      effective: 'none',
      codes: ['access.no_grant'],
      messages: ['This project is not shared with the web'],
    },
    {
      name: 'caps an anonymous visitor at Can view even when Public is granted more',
      facts: project({ actor: anonymous, grants: [toGroup('can_edit', 'public')] }),
      effective: 'can_view',
      codes: ['access.capped_anonymous'],
    },
    {
      name: 'ignores project ownership for an anonymous visitor',
      facts: project({ actor: anonymous, grants: [], isProjectOwner: true }),
      effective: 'none',
      codes: ['access.no_grant'],
    },
    {
      name: 'keeps the app open when Public is among the groups with Can view results',
      facts: project({
        actor: anonymous,
        grants: [toGroup('can_view', 'public')],
        connection: { canViewResults: ['public'] },
      }),
      effective: 'can_view',
    },
    {
      name: 'closes the app when Can view results leaves Public out',
      facts: project({
        actor: anonymous,
        grants: [toGroup('can_view', 'public')],
        connection: { canViewResults: ['workspace'] },
      }),
      effective: 'none',
      codes: ['access.closed_no_can_view_results'],
      messages: ["No access: no Can view results on connection 'warehouse'"],
    },
  ]);
});

describe('a project that imports nothing', () => {
  it('gives an Editor exactly their grant', () => {
    const decision = decideProjectPermission({
      actor: member('editor'),
      grants: [toUser('can_edit')],
      assets: [],
      connections: [],
    });
    expect(decision).toEqual({ effective: 'can_edit', granted: 'can_edit', reasons: [] });
  });
});
