import type { WorkspaceRole } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { decideConnectionImport, decideConnectionManagement } from './connection-management';
import { decideConnectionPermissionChange } from './connection-permission-change';
import type { ProjectAccess } from './project-permission';
import { member, toGroup, warehouse } from './testing/facts';

const ROLES: WorkspaceRole[] = ['admin', 'manager', 'editor', 'explorer', 'viewer', 'guest'];

describe('decideConnectionManagement on a workspace connection', () => {
  for (const role of ROLES) {
    const allowed = role === 'admin';
    it(`${allowed ? 'lets' : 'refuses'} the ${role} role manage it`, () => {
      const check = decideConnectionManagement({ role, scope: 'workspace' });
      expect(check.allowed).toBe(allowed);
      if (!check.allowed) expect(check.reason.code).toBe('access.role_not_allowed');
    });
  }
});

describe('decideConnectionManagement on a project connection', () => {
  const cases: Array<{
    role: WorkspaceRole;
    permission: ProjectAccess;
    enabled: boolean;
    expected: true | string;
  }> = [
    { role: 'admin', permission: 'none', enabled: true, expected: true },
    { role: 'admin', permission: 'can_view', enabled: false, expected: true },
    { role: 'manager', permission: 'full_access', enabled: true, expected: true },
    { role: 'editor', permission: 'can_edit', enabled: true, expected: true },
    { role: 'editor', permission: 'can_explore', enabled: true, expected: 'access.cannot_manage_connection' },
    { role: 'editor', permission: 'can_view', enabled: true, expected: 'access.cannot_manage_connection' },
    { role: 'editor', permission: 'none', enabled: true, expected: 'access.cannot_manage_connection' },
    {
      role: 'editor',
      permission: 'can_edit',
      enabled: false,
      expected: 'access.project_connections_disabled',
    },
    { role: 'explorer', permission: 'can_explore', enabled: true, expected: 'access.role_not_allowed' },
    { role: 'viewer', permission: 'can_view', enabled: true, expected: 'access.role_not_allowed' },
    { role: 'guest', permission: 'can_view', enabled: true, expected: 'access.role_not_allowed' },
  ];
  for (const c of cases) {
    const verdict = c.expected === true ? 'lets' : 'refuses';
    it(`${verdict} a ${c.role} holding ${c.permission} (project connections ${c.enabled ? 'on' : 'off'})`, () => {
      const check = decideConnectionManagement({
        role: c.role,
        scope: 'project',
        projectPermission: c.permission,
        projectConnectionsEnabled: c.enabled,
      });
      if (c.expected === true) expect(check).toEqual({ allowed: true });
      else expect(check).toEqual({ allowed: false, reason: expect.objectContaining({ code: c.expected }) });
    });
  }
});

describe('decideConnectionImport', () => {
  const asset = (groupsWithAccess: string[]) => ({
    kind: 'connection' as const,
    id: 'con_warehouse',
    name: 'warehouse',
    groupsWithAccess,
  });
  const cases = [
    {
      who: 'an Admin outside every group',
      actor: member('admin'),
      groups: ['grp_x'],
      canQuery: ['grp_x'],
      expected: true,
    },
    {
      who: 'an Editor in the Workspace group',
      actor: member('editor'),
      groups: ['workspace'],
      canQuery: null,
      expected: true,
    },
    {
      who: 'an Editor outside its groups',
      actor: member('editor'),
      groups: ['grp_x'],
      canQuery: null,
      expected: 'access.no_asset_access',
    },
    {
      who: 'an Editor with access but no Can query',
      actor: member('editor'),
      groups: ['workspace'],
      canQuery: ['grp_x'],
      expected: 'access.no_can_query',
    },
    {
      who: 'an Editor in the group with Can query',
      actor: member('editor', ['grp_x']),
      groups: ['grp_x'],
      canQuery: ['grp_x'],
      expected: true,
    },
  ] as const;
  for (const c of cases) {
    it(`${c.expected === true ? 'lets' : 'refuses'} ${c.who}`, () => {
      const check = decideConnectionImport({
        actor: c.actor,
        asset: asset([...c.groups]),
        connection: warehouse({ canQuery: c.canQuery ? [...c.canQuery] : 'workspace_default' }),
      });
      if (c.expected === true) expect(check).toEqual({ allowed: true });
      else expect(check).toEqual({ allowed: false, reason: expect.objectContaining({ code: c.expected }) });
    });
  }
});

describe('decideConnectionPermissionChange', () => {
  const facts = (actor = member('editor')) => ({
    actor,
    grants: [toGroup('can_edit', 'workspace')],
    assets: [
      {
        kind: 'connection' as const,
        id: 'con_warehouse',
        name: 'warehouse',
        groupsWithAccess: ['workspace'],
      },
    ],
    connections: [warehouse()],
  });

  it('downgrades an Editor outside a restricted Can query to Can explore, with the reason', () => {
    const change = decideConnectionPermissionChange({
      facts: facts(),
      proposed: { connection: warehouse({ canQuery: ['grp_analysts'] }), groupsWithAccess: ['workspace'] },
    });
    expect(change.before.effective).toBe('can_edit');
    expect(change.after.effective).toBe('can_explore');
    expect(change.after.reasons.map((r) => r.code)).toEqual(['access.downgraded_no_can_query']);
  });

  it('downgrades an Editor outside the groups with access to Can view', () => {
    const change = decideConnectionPermissionChange({
      facts: facts(),
      proposed: { connection: warehouse(), groupsWithAccess: ['grp_analysts'] },
    });
    expect(change.after.effective).toBe('can_view');
  });

  it('changes nothing for an Editor inside the restricted group', () => {
    const change = decideConnectionPermissionChange({
      facts: facts(member('editor', ['grp_analysts'])),
      proposed: { connection: warehouse({ canQuery: ['grp_analysts'] }), groupsWithAccess: ['grp_analysts'] },
    });
    expect(change.after.effective).toBe(change.before.effective);
  });
});
