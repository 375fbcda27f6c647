import type { ProjectCapabilities, WorkspaceCapabilities, WorkspaceRole } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { grantablePermissions, projectCapabilities, workspaceCapabilities } from './capabilities';
import type { ProjectAccess } from './project-permission';

const NOTHING: ProjectCapabilities = {
  view: false,
  explore: false,
  edit: false,
  run: false,
  viewResults: false,
  share: false,
  manageSharing: false,
  duplicate: false,
};

/** One row per effective permission (and role where it matters), the flags straight from the gate's rules. */
const PROJECT_ROWS: Array<{
  name: string;
  effective: ProjectAccess;
  editorsCanShare?: boolean;
  role?: WorkspaceRole | null;
  can: Partial<ProjectCapabilities>;
}> = [
  { name: 'gives nothing on a closed project', effective: 'none', can: {} },
  {
    name: 'lets Can view open the app and see results, nothing more',
    effective: 'can_view',
    can: { view: true, viewResults: true },
  },
  {
    name: 'lets Can explore see the logic but neither edit nor run',
    effective: 'can_explore',
    can: { view: true, viewResults: true, explore: true },
  },
  {
    name: 'lets Can edit edit, run, share while re-sharing is on, and duplicate',
    effective: 'can_edit',
    can: {
      view: true,
      viewResults: true,
      explore: true,
      edit: true,
      run: true,
      share: true,
      duplicate: true,
    },
  },
  {
    name: 'takes sharing from Can edit once re-sharing is switched off',
    effective: 'can_edit',
    editorsCanShare: false,
    can: { view: true, viewResults: true, explore: true, edit: true, run: true, duplicate: true },
  },
  {
    name: 'gives Full access every capability, the project-wide sharing switches included',
    effective: 'full_access',
    editorsCanShare: false,
    can: {
      view: true,
      viewResults: true,
      explore: true,
      edit: true,
      run: true,
      share: true,
      manageSharing: true,
      duplicate: true,
    },
  },
  {
    name: 'refuses a Guest with Can edit a duplicate, since Guests create no projects',
    effective: 'can_edit',
    role: 'guest',
    can: { view: true, viewResults: true, explore: true, edit: true, run: true, share: true },
  },
  {
    name: 'refuses an anonymous visitor a duplicate',
    effective: 'can_view',
    role: null,
    can: { view: true, viewResults: true },
  },
];

describe('projectCapabilities', () => {
  for (const row of PROJECT_ROWS) {
    it(row.name, () => {
      expect(
        projectCapabilities({
          effective: row.effective,
          editorsCanShare: row.editorsCanShare ?? true,
          role: row.role === undefined ? 'editor' : row.role,
        }),
      ).toEqual({ ...NOTHING, ...row.can });
    });
  }
});

const ADMIN_ONLY = {
  manageMembers: true,
  manageGroups: true,
  manageConnections: true,
  manageSso: true,
  viewAudit: true,
};
const CREATOR = { createProjects: true, createProjectConnections: true };
const NONE: WorkspaceCapabilities = {
  manageMembers: false,
  manageGroups: false,
  manageConnections: false,
  manageSso: false,
  viewAudit: false,
  createProjects: false,
  createProjectConnections: false,
};

const WORKSPACE_ROWS: Array<{ role: WorkspaceRole; can: Partial<WorkspaceCapabilities> }> = [
  { role: 'admin', can: { ...ADMIN_ONLY, ...CREATOR } },
  { role: 'manager', can: CREATOR },
  { role: 'editor', can: CREATOR },
  { role: 'explorer', can: {} },
  { role: 'viewer', can: {} },
  { role: 'guest', can: {} },
];

describe('workspaceCapabilities', () => {
  for (const row of WORKSPACE_ROWS) {
    it(`gives the ${row.role} role what the seed gives it`, () => {
      expect(workspaceCapabilities({ role: row.role, projectConnectionsEnabled: true })).toEqual({
        ...NONE,
        ...row.can,
      });
    });
  }

  it('takes project data connections from everyone, Admins included, once they are switched off', () => {
    for (const role of ['admin', 'editor'] as const) {
      expect(workspaceCapabilities({ role, projectConnectionsEnabled: false }).createProjectConnections).toBe(
        false,
      );
    }
  });
});

describe('grantablePermissions', () => {
  const rows: Array<{ effective: ProjectAccess; editorsCanShare: boolean; grantable: string[] }> = [
    {
      effective: 'full_access',
      editorsCanShare: false,
      grantable: ['full_access', 'can_edit', 'can_explore', 'can_view'],
    },
    { effective: 'can_edit', editorsCanShare: true, grantable: ['can_edit', 'can_explore', 'can_view'] },
    { effective: 'can_edit', editorsCanShare: false, grantable: [] },
    { effective: 'can_explore', editorsCanShare: true, grantable: [] },
    { effective: 'none', editorsCanShare: true, grantable: [] },
  ];
  for (const row of rows) {
    it(`lets ${row.effective} (re-sharing ${row.editorsCanShare ? 'on' : 'off'}) grant ${row.grantable.join(', ') || 'nothing'}`, () => {
      expect(grantablePermissions(row)).toEqual(row.grantable);
    });
  }
});
