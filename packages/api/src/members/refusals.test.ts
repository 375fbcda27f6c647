import type { WorkspaceRole } from '@quarry/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import type { Meta } from '../trpc';
import { membersRouter } from './router';
import { addMember, membership, refusal, type TestMember } from './testing/member-helpers';

type AnyCaller = { members: Record<string, (input?: unknown) => Promise<unknown>> };

let h: ApiHarness;
let target: TestMember;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  target = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
});
afterAll(() => h?.close());

/** Every members procedure, with an input naming a member of workspace A. */
const procedures = (): Array<[string, unknown]> => [
  ['list', undefined],
  ['changeRole', { userId: target.id, role: 'viewer' }],
  ['deactivate', { userId: target.id }],
  ['reactivate', { userId: target.id }],
  ['remove', { userId: target.id }],
];

const call = (caller: unknown, name: string, input: unknown) => (caller as AnyCaller).members[name]?.(input);

describe('members procedures', () => {
  it('all declare workspace:admin, and this table covers every one of them', () => {
    const declared = Object.entries(membersRouter).map(([name, p]) => [
      name,
      (p._def.meta as Meta).permission,
    ]);
    expect(declared.sort()).toEqual(
      procedures()
        .map(([name]) => [name, 'workspace:admin'])
        .sort(),
    );
  });

  it.each<WorkspaceRole>(['manager', 'editor', 'explorer', 'viewer', 'guest'])(
    'refuse a %s with FORBIDDEN and access.role_not_allowed, and change nothing',
    async (role) => {
      const caller = await h.as(h.a, role);
      for (const [name, input] of procedures()) {
        const refused = await refusal(call(caller, name, input) ?? Promise.resolve());
        expect(refused, `members.${name}`).toMatchObject({
          code: 'FORBIDDEN',
          quarry: 'access.role_not_allowed',
        });
      }
      expect(await membership(h, target)).toMatchObject({ role: 'editor' });
    },
  );

  it('refuse a non-Admin calling through an API token the same way', async () => {
    const { caller } = await h.withToken(h.a, 'viewer');
    for (const [name, input] of procedures()) {
      expect((await refusal(call(caller, name, input) ?? Promise.resolve())).quarry).toBe(
        'access.role_not_allowed',
      );
    }
  });

  it('refuse an anonymous caller with UNAUTHORIZED and auth.signed_out', async () => {
    const anonymous = await h.anonymous();
    for (const [name, input] of procedures()) {
      const refused = await refusal(call(anonymous, name, input) ?? Promise.resolve());
      expect(refused, `members.${name}`).toMatchObject({ code: 'UNAUTHORIZED', quarry: 'auth.signed_out' });
    }
  });

  it("answer NOT_FOUND to workspace B's Admin naming a member of workspace A, and change nothing", async () => {
    const outsider = await h.as(h.b, 'admin');
    for (const [name, input] of procedures().filter(([n]) => n !== 'list')) {
      const refused = await refusal(call(outsider, name, input) ?? Promise.resolve());
      expect(refused, `members.${name}`).toMatchObject({ code: 'NOT_FOUND', quarry: 'not_found.member' });
    }
    expect(await membership(h, target)).toMatchObject({ role: 'editor' });
    const listed = await outsider.members.list();
    expect(listed.map((m) => m.userId)).not.toContain(target.id);
    expect(listed.map((m) => m.userId)).not.toContain(h.a.users.admin.id);
    expect(listed.map((m) => m.userId)).toContain(h.b.users.viewer.id);
  });
});
