import { describe, expect, it } from 'vitest';
import { permissionLabel, roleLabel } from './labels';

describe('permissionLabel', () => {
  it.each([
    { permission: 'full_access', label: 'Full access' },
    { permission: 'can_edit', label: 'Can edit' },
    { permission: 'can_explore', label: 'Can explore' },
    { permission: 'can_view', label: 'Can view' },
    { permission: 'none', label: 'No access' },
  ])('names $permission "$label"', ({ permission, label }) => {
    expect(permissionLabel(permission)).toBe(label);
  });
});

describe('roleLabel', () => {
  it('names a role as the product does, and leaves an unknown one alone', () => {
    expect(roleLabel('editor')).toBe('Editor');
    expect(roleLabel('owner')).toBe('owner');
  });
});
