import type { WorkspaceRole } from '@quarry/contracts';
import { groups } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../members/testing/member-helpers';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import type { Meta } from '../trpc';
import { groupsRouter } from './router';

type AnyCaller = { groups: Record<string, (input?: unknown) => Promise<unknown>> };

let h: ApiHarness;
let groupOfA: { id: string; name: string };

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  const admin = await h.as(h.a, 'admin');
  groupOfA = await admin.groups.create({ name: 'Finance' });
  await admin.groups.addMember({ groupId: groupOfA.id, userId: h.a.users.editor.id });
});
afterAll(() => h?.close());

/** Every Admin-only groups procedure, with an input naming workspace A's group and member. */
const adminOnly = (): Array<[string, unknown]> => [
  ['list', undefined],
  ['create', { name: 'Shadow' }],
  ['rename', { groupId: groupOfA.id, name: 'Renamed' }],
  ['delete', { groupId: groupOfA.id }],
  ['addMember', { groupId: groupOfA.id, userId: h.a.users.viewer.id }],
  ['removeMember', { groupId: groupOfA.id, userId: h.a.users.editor.id }],
];

const call = (caller: unknown, name: string, input?: unknown) =>
  (caller as AnyCaller).groups[name]?.(input) ?? Promise.reject(new Error(`no procedure groups.${name}`));

const groupRowsOfA = () => h.database.db.select().from(groups).where(eq(groups.workspaceId, h.a.workspaceId));

describe('groups procedures', () => {
  it('declare workspace:member for list and workspace:admin for every change', () => {
    const declared = Object.entries(groupsRouter).map(([name, p]) => [
      name,
      (p._def.meta as Meta).permission,
    ]);
    expect(declared.sort()).toEqual(
      [['options', 'workspace:member'], ...adminOnly().map(([name]) => [name, 'workspace:admin'])].sort(),
    );
  });

  it.each<WorkspaceRole>(['manager', 'editor', 'explorer', 'viewer', 'guest'])(
    'refuse a %s every change with FORBIDDEN and access.role_not_allowed, and change nothing',
    async (role) => {
      const caller = await h.as(h.a, role);
      for (const [name, input] of adminOnly()) {
        expect(await refusal(call(caller, name, input)), `groups.${name}`).toMatchObject({
          code: 'FORBIDDEN',
          quarry: 'access.role_not_allowed',
        });
      }
      expect((await groupRowsOfA()).map((g) => g.name)).toEqual(['Finance']);
    },
  );

  it.each<WorkspaceRole>(['viewer', 'guest'])(
    "let a %s see the groups' names for the share dialog, and nobody's email",
    async (role) => {
      const caller = await h.as(h.a, role);
      const options = await caller.groups.options();
      expect(options).toEqual([{ id: groupOfA.id, name: 'Finance' }]);
      expect(JSON.stringify(options)).not.toContain('@');
    },
  );

  it('refuse an anonymous caller with UNAUTHORIZED and auth.signed_out, list included', async () => {
    const anonymous = await h.anonymous();
    for (const [name, input] of [['options', undefined] as [string, unknown], ...adminOnly()]) {
      expect(await refusal(call(anonymous, name, input)), `groups.${name}`).toMatchObject({
        code: 'UNAUTHORIZED',
        quarry: 'auth.signed_out',
      });
    }
  });

  it("answer NOT_FOUND to workspace B's Admin naming workspace A's group, and change nothing", async () => {
    const outsider = await h.as(h.b, 'admin');
    for (const [name, input] of adminOnly().filter(([n]) => n !== 'create' && n !== 'list')) {
      expect(await refusal(call(outsider, name, input)), `groups.${name}`).toMatchObject({
        code: 'NOT_FOUND',
        quarry: 'not_found.group',
      });
    }
    expect(await outsider.groups.list()).toEqual([]);
    const admin = await h.as(h.a, 'admin');
    expect(await admin.groups.list()).toEqual([
      {
        id: groupOfA.id,
        name: 'Finance',
        members: [{ userId: h.a.users.editor.id, email: h.a.users.editor.email, name: 'editor user' }],
      },
    ]);
  });
});
