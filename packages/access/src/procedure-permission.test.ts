import { describe, expect, it } from 'vitest';
import { projectPermissionRequiredBy } from './procedure-permission';

describe('projectPermissionRequiredBy', () => {
  it('maps each project:* procedure permission to the project permission it needs', () => {
    expect(projectPermissionRequiredBy('project:view')).toBe('can_view');
    expect(projectPermissionRequiredBy('project:explore')).toBe('can_explore');
    expect(projectPermissionRequiredBy('project:edit')).toBe('can_edit');
    expect(projectPermissionRequiredBy('project:full')).toBe('full_access');
  });

  it('has no project permission for other procedure permissions', () => {
    expect(projectPermissionRequiredBy('workspace:admin')).toBeUndefined();
    expect(projectPermissionRequiredBy('public')).toBeUndefined();
  });
});
