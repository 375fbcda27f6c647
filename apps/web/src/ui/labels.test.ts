import { describe, expect, it } from 'vitest';
import { meetsPermission, permissionLabel, roleLabel } from './labels';

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

describe('meetsPermission', () => {
  it('ranks Full access above Can edit above Can explore above Can view above nothing', () => {
    expect(meetsPermission('full_access', 'can_edit')).toBe(true);
    expect(meetsPermission('can_edit', 'can_edit')).toBe(true);
    expect(meetsPermission('can_explore', 'can_edit')).toBe(false);
    expect(meetsPermission('none', 'can_view')).toBe(false);
  });
});
