import type { ProjectPermission } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import type { WorkspaceAsset } from './asset-access';
import type { ShareTarget } from './share-permission';
import { canShareAtPermission } from './share-permission';
import { member, warehouseAsset } from './testing/facts';

type Row = {
  name: string;
  assets: WorkspaceAsset[];
  target: ShareTarget;
  permission: ProjectPermission;
  allowed: boolean;
};

const dataTeamOnly = [warehouseAsset(['grp_data_team'])];
const workspaceDefault = [warehouseAsset()];

const rows: Row[] = [
  {
    name: 'refuses to give Can edit to an Editor outside the group the connection is shared with',
    assets: dataTeamOnly,
    target: member('editor'),
    permission: 'can_edit',
    allowed: false,
  },
  {
    name: 'refuses to give Full access to an Editor outside the group the connection is shared with',
    assets: dataTeamOnly,
    target: member('editor'),
    permission: 'full_access',
    allowed: false,
  },
  {
    name: 'allows Can edit for an Editor in the group the connection is shared with',
    assets: dataTeamOnly,
    target: member('editor', ['grp_data_team']),
    permission: 'can_edit',
    allowed: true,
  },
  {
    name: 'allows Can explore for someone without access to the connection',
    assets: dataTeamOnly,
    target: member('editor'),
    permission: 'can_explore',
    allowed: true,
  },
  {
    name: 'allows Can view for someone without access to the connection',
    assets: dataTeamOnly,
    target: member('guest'),
    permission: 'can_view',
    allowed: true,
  },
  {
    name: 'allows Can edit for any Admin, who inherits access to every asset',
    assets: dataTeamOnly,
    target: member('admin'),
    permission: 'can_edit',
    allowed: true,
  },
  {
    name: 'refuses Can edit to a Guest on a connection shared with Workspace only',
    assets: workspaceDefault,
    target: member('guest'),
    permission: 'can_edit',
    allowed: false,
  },
  {
    name: 'allows Can edit to a Guest once Workspace guests is on the connection',
    assets: [warehouseAsset(['workspace', 'workspace_guests'])],
    target: member('guest'),
    permission: 'can_edit',
    allowed: true,
  },
  {
    name: 'allows Can edit to a Viewer on a default connection (the role cap applies later)',
    assets: workspaceDefault,
    target: member('viewer'),
    permission: 'can_edit',
    allowed: true,
  },
  {
    name: 'allows Can edit on a project that uses no asset',
    assets: [],
    target: member('guest'),
    permission: 'full_access',
    allowed: true,
  },
  {
    name: 'allows Can edit to the Workspace group on a default connection',
    assets: workspaceDefault,
    target: { kind: 'group', groupId: 'workspace' },
    permission: 'can_edit',
    allowed: true,
  },
  {
    name: 'allows Can edit to a custom group on a connection shared with Workspace',
    assets: workspaceDefault,
    target: { kind: 'group', groupId: 'grp_data_team' },
    permission: 'can_edit',
    allowed: true,
  },
  {
    name: 'refuses Can edit to Workspace guests on a connection shared with Workspace only',
    assets: workspaceDefault,
    target: { kind: 'group', groupId: 'workspace_guests' },
    permission: 'can_edit',
    allowed: false,
  },
  {
    name: 'refuses Can edit to the Workspace group on a connection shared with one custom group',
    assets: dataTeamOnly,
    target: { kind: 'group', groupId: 'workspace' },
    permission: 'can_edit',
    allowed: false,
  },
  {
    name: 'refuses Can edit to Public on a connection shared with Workspace only',
    assets: workspaceDefault,
    target: { kind: 'group', groupId: 'public' },
    permission: 'can_edit',
    allowed: false,
  },
  {
    name: 'allows Can edit to any group on a connection shared with Public',
    assets: [warehouseAsset(['public'])],
    target: { kind: 'group', groupId: 'workspace_guests' },
    permission: 'can_edit',
    allowed: true,
  },
];

describe('canShareAtPermission', () => {
  for (const row of rows) {
    it(row.name, () => {
      expect(canShareAtPermission({ assets: row.assets }, row.target, row.permission).allowed).toBe(
        row.allowed,
      );
    });
  }

  it('names every asset the person cannot use in the refusal', () => {
    const check = canShareAtPermission(
      {
        assets: [
          warehouseAsset(['grp_data_team']),
          { kind: 'secret', id: 'sec_1', name: 'stripe_key', groupsWithAccess: ['grp_finance'] },
        ],
      },
      member('editor'),
      'can_edit',
    );
    expect(check).toEqual({
      allowed: false,
      reason: {
        code: 'access.share_refused_no_asset_access',
        message:
          "Cannot give Can edit to this user: no access to connection 'warehouse', secret 'stripe_key'",
      },
    });
  });

  it('names the group in a refusal to a group', () => {
    const check = canShareAtPermission(
      { assets: workspaceDefault },
      { kind: 'group', groupId: 'workspace_guests' },
      'full_access',
    );
    expect(check).toEqual({
      allowed: false,
      reason: {
        code: 'access.share_refused_no_asset_access',
        message:
          "Cannot give Full access to the group 'Workspace guests': no access to connection 'warehouse'",
      },
    });
  });
});
