import type { WorkspaceRole } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import type { WorkspaceAction } from './workspace-action';
import { decideWorkspaceAction, WORKSPACE_ACTIONS } from './workspace-action';

const ROLES: WorkspaceRole[] = ['admin', 'manager', 'editor', 'explorer', 'viewer', 'guest'];

/** Who may take each action, straight from the seeds. */
const ALLOWED: Record<WorkspaceAction, WorkspaceRole[]> = {
  'workspace:member': ['admin', 'manager', 'editor', 'explorer', 'viewer', 'guest'],
  'workspace:admin': ['admin'],
  'project:create': ['admin', 'manager', 'editor'],
  'connection:create_workspace': ['admin'],
  'connection:create_project': ['admin', 'manager', 'editor'],
  'members:manage': ['admin'],
  'groups:manage': ['admin'],
};

describe('decideWorkspaceAction', () => {
  for (const action of WORKSPACE_ACTIONS) {
    for (const role of ROLES) {
      const allowed = ALLOWED[action].includes(role);
      it(`${allowed ? 'allows' : 'refuses'} ${action} for the ${role} role`, () => {
        const check = decideWorkspaceAction({ role, action });
        expect(check.allowed).toBe(allowed);
        if (!check.allowed) expect(check.reason.code).toBe('access.role_not_allowed');
      });
    }
  }

  it('refuses a Manager member management with a sentence', () => {
    expect(decideWorkspaceAction({ role: 'manager', action: 'members:manage' })).toEqual({
      allowed: false,
      reason: { code: 'access.role_not_allowed', message: 'Only Admins can manage members' },
    });
  });

  it('refuses a Viewer a project data connection, naming who may create one', () => {
    expect(decideWorkspaceAction({ role: 'viewer', action: 'connection:create_project' })).toEqual({
      allowed: false,
      reason: {
        code: 'access.role_not_allowed',
        message: 'Only Admins, Managers and Editors can create project data connections',
      },
    });
  });

  it('refuses everyone, Admins included, a project data connection once they are switched off', () => {
    for (const role of ['admin', 'editor'] as const) {
      const check = decideWorkspaceAction({
        role,
        action: 'connection:create_project',
        projectConnectionsEnabled: false,
      });
      expect(check.allowed).toBe(false);
      if (!check.allowed) expect(check.reason.code).toBe('access.project_connections_disabled');
    }
  });

  it('leaves other actions alone when project data connections are switched off', () => {
    expect(
      decideWorkspaceAction({
        role: 'admin',
        action: 'connection:create_workspace',
        projectConnectionsEnabled: false,
      }).allowed,
    ).toBe(true);
  });
});
