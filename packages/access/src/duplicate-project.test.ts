import type { WorkspaceRole } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { decideDuplicateProject } from './duplicate-project';
import type { ProjectAccess } from './project-permission';

const rows: Array<[role: WorkspaceRole, effective: ProjectAccess, refusal: string | null]> = [
  ['admin', 'full_access', null],
  ['manager', 'can_edit', null],
  ['editor', 'can_edit', null],
  ['editor', 'can_explore', 'access.cannot_duplicate'],
  ['editor', 'can_view', 'access.cannot_duplicate'],
  // Guests keep Can edit (their role caps nothing) but may not create projects.
  ['guest', 'can_edit', 'access.role_not_allowed'],
  ['guest', 'full_access', 'access.role_not_allowed'],
  ['explorer', 'can_explore', 'access.cannot_duplicate'],
  ['viewer', 'can_view', 'access.cannot_duplicate'],
];

describe('duplicating a project', () => {
  it.each(rows)('%s holding %s → refusal %s', (role, effective, refusal) => {
    const check = decideDuplicateProject({ role, effective });
    expect(check.allowed ? null : check.reason.code).toBe(refusal);
  });

  it('tells a Guest with Can edit that duplicating creates a project, which their role may not do', () => {
    expect(decideDuplicateProject({ role: 'guest', effective: 'can_edit' })).toEqual({
      allowed: false,
      reason: {
        code: 'access.role_not_allowed',
        message: 'Duplicating creates a new project: only Admins, Managers and Editors can create projects',
      },
    });
  });
});
