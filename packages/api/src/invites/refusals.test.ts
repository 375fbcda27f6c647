import type { WorkspaceRole } from '@quarry/contracts';
import { invites } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../members/testing/member-helpers';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import type { Meta } from '../trpc';
import { invitesRouter } from './router';

type AnyCaller = { invites: Record<string, (input?: unknown) => Promise<unknown>> };

let h: ApiHarness;
let inviteOfA: { id: string; link: string };

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  const created = await (await h.as(h.a, 'admin')).invites.create({
    email: 'newcomer@example.test',
    role: 'editor',
  });
  inviteOfA = { id: created.invite.id, link: created.link };
});
afterAll(() => h?.close());

const adminOnly = (): Array<[string, unknown]> => [
  ['create', { email: 'someone@example.test', role: 'admin' }],
  ['list', undefined],
  ['revoke', { inviteId: inviteOfA.id }],
];

const call = (caller: unknown, name: string, input?: unknown) =>
  (caller as AnyCaller).invites[name]?.(input) ?? Promise.reject(new Error(`no procedure invites.${name}`));

const invitesOfA = () => h.database.db.select().from(invites).where(eq(invites.workspaceId, h.a.workspaceId));

describe('invites procedures', () => {
  it('declare workspace:admin for create, list and revoke, and public for preview, accept and join', () => {
    const declared = Object.entries(invitesRouter).map(([name, p]) => [
      name,
      (p._def.meta as Meta).permission,
    ]);
    expect(declared.sort()).toEqual(
      [
        ['create', 'workspace:admin'],
        ['list', 'workspace:admin'],
        ['revoke', 'workspace:admin'],
        ['preview', 'public'],
        ['accept', 'public'],
        ['join', 'public'],
      ].sort(),
    );
  });

  it.each<WorkspaceRole>(['manager', 'editor', 'explorer', 'viewer', 'guest'])(
    'refuse a %s with FORBIDDEN and access.role_not_allowed, and invite nobody',
    async (role) => {
      const caller = await h.as(h.a, role);
      for (const [name, input] of adminOnly()) {
        expect(await refusal(call(caller, name, input)), `invites.${name}`).toMatchObject({
          code: 'FORBIDDEN',
          quarry: 'access.role_not_allowed',
        });
      }
      expect(await invitesOfA()).toMatchObject([{ id: inviteOfA.id, revokedAt: null }]);
    },
  );

  it('refuse an anonymous caller the Admin ones with UNAUTHORIZED, and let them preview', async () => {
    const anonymous = await h.anonymous();
    for (const [name, input] of adminOnly()) {
      expect(await refusal(call(anonymous, name, input)), `invites.${name}`).toMatchObject({
        code: 'UNAUTHORIZED',
        quarry: 'auth.signed_out',
      });
    }
    const token = inviteOfA.link.replace('/invite#', '');
    expect(await anonymous.invites.preview({ token })).toEqual({
      workspaceName: 'Workspace A',
      email: 'newcomer@example.test',
      role: 'editor',
      hasAccount: false,
    });
  });

  it("answer NOT_FOUND to workspace B's Admin revoking workspace A's invite, and hide it from B's list", async () => {
    const outsider = await h.as(h.b, 'admin');
    expect(await refusal(outsider.invites.revoke({ inviteId: inviteOfA.id }))).toMatchObject({
      code: 'NOT_FOUND',
      quarry: 'not_found.invite',
    });
    expect(await outsider.invites.list()).toEqual([]);
    expect(await invitesOfA()).toMatchObject([{ id: inviteOfA.id, revokedAt: null }]);
  });
});
