import { describe, expect, it } from 'vitest';
import { canSeeProjectLogic } from './project-logic';

describe("who sees a project's logic (its SQL and connections)", () => {
  it.each([
    ['full_access', true],
    ['can_edit', true],
    ['can_explore', true],
    ['can_view', false],
    ['none', false],
  ] as const)('%s → %s', (effective, visible) => {
    expect(canSeeProjectLogic(effective)).toBe(visible);
  });
});
