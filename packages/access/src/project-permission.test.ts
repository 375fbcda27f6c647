import type { ProjectPermission } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import type { ProjectAccess } from './project-permission';
import {
  meetsProjectPermission,
  PROJECT_PERMISSION_LABELS,
  strongerOf,
  weakerOf,
} from './project-permission';

const ORDER: ProjectAccess[] = ['none', 'can_view', 'can_explore', 'can_edit', 'full_access'];
const REQUIRED: ProjectPermission[] = ['can_view', 'can_explore', 'can_edit', 'full_access'];

describe('meetsProjectPermission', () => {
  for (const effective of ORDER) {
    for (const required of REQUIRED) {
      const meets = ORDER.indexOf(effective) >= ORDER.indexOf(required);
      it(`says ${effective} ${meets ? 'meets' : 'does not meet'} ${required}`, () => {
        expect(meetsProjectPermission(effective, required)).toBe(meets);
      });
    }
  }
});

describe('ordering helpers', () => {
  it('picks the stronger and the weaker of two permissions', () => {
    expect(strongerOf('can_view', 'can_edit')).toBe('can_edit');
    expect(strongerOf('none', 'can_view')).toBe('can_view');
    expect(weakerOf('full_access', 'can_explore')).toBe('can_explore');
    expect(weakerOf('none', 'can_view')).toBe('none');
  });
});

describe('PROJECT_PERMISSION_LABELS', () => {
  it('names each permission as the product does', () => {
    expect(PROJECT_PERMISSION_LABELS).toEqual({
      full_access: 'Full access',
      can_edit: 'Can edit',
      can_explore: 'Can explore',
      can_view: 'Can view',
    });
  });
});
