import { invites, sessions, workspaceMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, refusal, signedIn } from '../members/testing/member-helpers';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

/** A member of B, invited to A by A's Admin; returns them, the invite id and the link's token. */
async function memberOfBInvitedToA(role: 'editor' | 'viewer' = 'editor') {
  const person = await addMember(h, { workspaceId: h.b.workspaceId, role: 'explorer' });
  const admin = await h.as(h.a, 'admin');
  const created = await admin.invites.create({ email: person.email, role });
  return { person, id: created.invite.id, token: created.link.replace(/^\/invite#/, '') };
}

const membershipIn = async (workspaceId: string, userId: string) =>
  (
    await h.database.db
      .select()
      .from(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
  )[0] ?? null;

describe('invites.join: an existing account accepts with its own password', () => {
  it('says the email has an account, then joins with the invited role and a session in the new workspace', async () => {
    const { person, id, token } = await memberOfBInvitedToA('editor');
    const elsewhere = await signedIn(h, person);
    const { caller } = await h.callerWithHeaders(new Headers({ cookie: elsewhere.cookie }));

    expect((await caller.invites.preview({ token })).hasAccount).toBe(true);
    const me = await caller.invites.join({ token, password: person.password });

    expect(me.workspace).toMatchObject({ id: h.a.workspaceId, role: 'editor' });
    expect((await membershipIn(h.a.workspaceId, person.id))?.role).toBe('editor');
    expect((await membershipIn(h.b.workspaceId, person.id))?.role).toBe('explorer');
    const [invite] = await h.database.db.select().from(invites).where(eq(invites.id, id));
    expect(invite?.acceptedAt).toBeInstanceOf(Date);
    // The session the request came with (in B) ended; one session remains, in A.
    const rows = await h.database.db.select().from(sessions).where(eq(sessions.userId, person.id));
    expect(rows.map((r) => r.workspaceId)).toEqual([h.a.workspaceId]);
  });

  it('refuses a wrong password like a wrong sign-in, and changes nothing', async () => {
    const { person, id, token } = await memberOfBInvitedToA();
    const anonymous = await h.anonymous();

    expect((await refusal(anonymous.invites.join({ token, password: 'not the password' }))).quarry).toBe(
      'auth.invalid_credentials',
    );

    expect(await membershipIn(h.a.workspaceId, person.id)).toBeNull();
    const [invite] = await h.database.db.select().from(invites).where(eq(invites.id, id));
    expect(invite?.acceptedAt).toBeNull();
  });

  it('evaluates at most 10 of 20 parallel password guesses on an invite link (AUTH-7)', async () => {
    const { person, token } = await memberOfBInvitedToA();
    const anonymous = await h.anonymous();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        anonymous.invites.join({ token, password: i === 19 ? person.password : `guess ${i}` }),
      ),
    );
    const codes = await Promise.all(
      outcomes.map(async (o) =>
        o.status === 'fulfilled' ? 'joined' : (await refusal(Promise.reject(o.reason))).quarry,
      ),
    );
    expect(codes.filter((c) => c !== 'auth.rate_limited').length).toBeLessThanOrEqual(10);
  });

  it('still sends a new account through invites.accept, and refuses join for an email without an account', async () => {
    const admin = await h.as(h.a, 'admin');
    const created = await admin.invites.create({ email: 'brand-new@example.test', role: 'viewer' });
    const token = created.link.replace(/^\/invite#/, '');
    const anonymous = await h.anonymous();
    expect((await anonymous.invites.preview({ token })).hasAccount).toBe(false);
    expect((await refusal(anonymous.invites.join({ token, password: 'any password' }))).quarry).toBe(
      'auth.invalid_credentials',
    );
  });
});
