import type { WorkspaceRole } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { invites, userIdentities, users, workspaceMembers, workspaces } from '@quarry/db/schema';
import {
  createTestDatabase,
  createUser,
  createWorkspace,
  joinWorkspace,
  type TestDatabase,
} from '@quarry/db/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdTokenClaims } from './auth-sso';
import { emailDomainAllowed, resolveSsoAccount, type SsoWorkspace } from './link-account';

const ISSUER = 'https://idp.example';
let database: TestDatabase;
let workspace: SsoWorkspace;

beforeAll(async () => {
  database = await createTestDatabase();
  workspace = { id: newId('workspace'), allowedEmailDomains: ['acme.test'], ssoDefaultRole: 'explorer' };
  await database.db.insert(workspaces).values({ id: workspace.id, name: 'Acme' });
});
afterAll(() => database?.drop());

const claims = (overrides: Partial<IdTokenClaims> = {}): IdTokenClaims => ({
  issuer: ISSUER,
  subject: `sub-${newId('user')}`,
  email: `${newId('user')}@acme.test`,
  emailVerified: true,
  name: 'Someone',
  ...overrides,
});

async function addUser(input: { email?: string; role?: WorkspaceRole | null; deactivated?: boolean } = {}) {
  const account = await createUser(database.db, {
    email: input.email ?? `${newId('user')}@acme.test`,
    name: 'Existing',
  });
  if (input.role !== null) {
    await joinWorkspace(database.db, {
      workspaceId: workspace.id,
      userId: account.id,
      role: input.role ?? 'editor',
      deactivated: input.deactivated ?? false,
    });
  }
  return account;
}

async function addInvite(email: string, role: WorkspaceRole): Promise<string> {
  const id = newId('invite');
  await database.db.insert(invites).values({
    id,
    workspaceId: workspace.id,
    email,
    role,
    secretHash: `hash-${id}`,
    invitedBy: 'usr_someone',
    expiresAt: new Date(Date.now() + 60_000),
  });
  return id;
}

const resolve = (c: IdTokenClaims, ws: SsoWorkspace = workspace) =>
  database.db.transaction((tx) => resolveSsoAccount(tx, { workspace: ws, claims: c, now: new Date() }));

const refusal = async (c: IdTokenClaims, ws?: SsoWorkspace) => {
  const result = await resolve(c, ws);
  return result.ok ? 'signed in' : result.error.error.code;
};

async function identitiesOf(userId: string) {
  return database.db.select().from(userIdentities).where(eq(userIdentities.userId, userId));
}

describe('resolveSsoAccount', () => {
  it('links a member found by verified email, then finds them by (iss, sub) even after the email changes', async () => {
    const member = await addUser({ role: 'editor' });
    const first = claims({ email: member.email.toUpperCase() });
    expect(await resolve(first)).toEqual({
      ok: true,
      value: { userId: member.id, role: 'editor', how: 'email' },
    });
    expect((await identitiesOf(member.id)).map((i) => [i.issuer, i.subject])).toEqual([
      [ISSUER, first.subject],
    ]);
    const renamed = await resolve({ ...first, email: 'renamed@elsewhere.test', emailVerified: false });
    expect(renamed).toEqual({ ok: true, value: { userId: member.id, role: 'editor', how: 'identity' } });
  });

  it('refuses an unverified email without a link, and links nothing', async () => {
    const member = await addUser({ role: 'editor' });
    expect(await refusal(claims({ email: member.email, emailVerified: false }))).toBe('sso.email_unverified');
    expect(await refusal(claims({ email: null }))).toBe('sso.email_unverified');
    expect(await identitiesOf(member.id)).toEqual([]);
  });

  it('provisions someone new from an allowed domain with the SSO role and no password', async () => {
    const c = claims({ email: `new-${newId('user')}@ACME.test`, name: 'New Person' });
    const result = await resolve(c);
    expect(result.ok && result.value).toMatchObject({ role: 'explorer', how: 'provisioned' });
    if (!result.ok) return;
    const [user] = await database.db.select().from(users).where(eq(users.id, result.value.userId));
    expect(user).toMatchObject({ email: c.email, name: 'New Person', passwordHash: null });
    expect((await identitiesOf(result.value.userId)).length).toBe(1);
  });

  it('lets an existing non-member from an allowed domain join with the SSO role', async () => {
    const outsider = await addUser({ role: null });
    const result = await resolve(claims({ email: outsider.email }));
    expect(result).toEqual({ ok: true, value: { userId: outsider.id, role: 'explorer', how: 'joined' } });
  });

  it('refuses someone new, or a non-member, whose domain is not allowed', async () => {
    expect(await refusal(claims({ email: 'someone@elsewhere.test' }))).toBe('sso.domain_not_allowed');
    expect(await refusal(claims({ email: 'someone@sub.acme.test' }))).toBe('sso.domain_not_allowed');
    const outsider = await addUser({ email: `${newId('user')}@elsewhere.test`, role: null });
    expect(await refusal(claims({ email: outsider.email }))).toBe('sso.domain_not_allowed');
    const [created] = await database.db.select().from(users).where(eq(users.email, 'someone@elsewhere.test'));
    expect(created).toBeUndefined();
  });

  it('refuses a deactivated account, found by link or by email', async () => {
    const linked = await addUser({ role: 'editor' });
    const c = claims({ email: linked.email });
    expect((await resolve(c)).ok).toBe(true);
    await database.db
      .update(workspaceMembers)
      .set({ deactivatedAt: new Date() })
      .where(and(eq(workspaceMembers.workspaceId, workspace.id), eq(workspaceMembers.userId, linked.id)));
    expect(await refusal(c)).toBe('sso.account_deactivated');
    const byEmail = await addUser({ role: 'editor', deactivated: true });
    expect(await refusal(claims({ email: byEmail.email }))).toBe('sso.account_deactivated');
  });

  it('does not link an email whose account is linked to another subject at the same issuer', async () => {
    const member = await addUser({ role: 'editor' });
    expect((await resolve(claims({ email: member.email }))).ok).toBe(true);
    expect(await refusal(claims({ email: member.email }))).toBe('sso.identity_conflict');
  });

  it('makes a linked account that left the workspace pass the joining rules again', async () => {
    const member = await addUser({ email: `${newId('user')}@elsewhere.test`, role: 'editor' });
    const c = claims({ email: member.email });
    expect((await resolve(c)).ok).toBe(true);
    await database.db
      .delete(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, workspace.id), eq(workspaceMembers.userId, member.id)));
    expect(await refusal(c)).toBe('sso.domain_not_allowed');
  });

  it('refuses to link, sign in as or add a member of another workspace by the email a provider asserts (OIDC-5)', async () => {
    const other = await createWorkspace(database.db, { name: 'Other' });
    const victim = await addUser({ role: null });
    await joinWorkspace(database.db, { workspaceId: other, userId: victim.id, role: 'admin' });

    expect(await refusal(claims({ email: victim.email }))).toBe('sso.account_elsewhere');

    expect(await identitiesOf(victim.id)).toEqual([]);
    const memberships = await database.db
      .select({ workspaceId: workspaceMembers.workspaceId })
      .from(workspaceMembers)
      .where(eq(workspaceMembers.userId, victim.id));
    expect(memberships).toEqual([{ workspaceId: other }]);
  });

  it("refuses a member of another workspace even with this workspace's invite to that email: its Admin wrote both (OIDC-5)", async () => {
    const other = await createWorkspace(database.db, { name: 'Other' });
    const invited = await addUser({ email: `${newId('user')}@elsewhere.test`, role: null });
    await joinWorkspace(database.db, { workspaceId: other, userId: invited.id, role: 'editor' });
    const inviteId = await addInvite(invited.email.toUpperCase(), 'manager');

    expect(await refusal(claims({ email: invited.email }))).toBe('sso.account_elsewhere');

    const [invite] = await database.db.select().from(invites).where(eq(invites.id, inviteId));
    expect(invite?.acceptedAt).toBeNull();
    expect(await identitiesOf(invited.id)).toEqual([]);
  });

  it('provisions someone new through a pending invite to their email, with its role, whatever the domain', async () => {
    const email = `${newId('user')}@elsewhere.test`;
    const inviteId = await addInvite(email, 'manager');

    const result = await resolve(claims({ email }));

    expect(result.ok && result.value).toMatchObject({ role: 'manager', how: 'invited' });
    const [invite] = await database.db.select().from(invites).where(eq(invites.id, inviteId));
    expect(invite?.acceptedAt).toBeInstanceOf(Date);
  });

  it('drops control characters from the name a provider sends, and refuses a NUL in the subject or email', async () => {
    const named = await resolve(claims({ name: 'Mal\u0000lo\u001bry' }));
    expect(named.ok).toBe(true);
    if (named.ok) {
      const [user] = await database.db.select().from(users).where(eq(users.id, named.value.userId));
      expect(user?.name).toBe('Mallory');
    }
    expect(await refusal(claims({ email: 'nul\u0000@acme.test' }))).toBe('sso.invalid_claims');
    expect(await refusal(claims({ subject: 'sub\u0000' }))).toBe('sso.invalid_claims');
  });

  it('never provisions an Admin, whatever the workspace column says', async () => {
    const result = await resolve(claims(), { ...workspace, ssoDefaultRole: 'admin' });
    expect(result.ok && result.value.role).toBe('viewer');
  });
});

describe('emailDomainAllowed', () => {
  it.each([
    ['a@acme.test', ['acme.test'], true],
    ['a@ACME.Test', ['acme.test'], true],
    ['a@acme.test', ['ACME.TEST'], true],
    ['a@sub.acme.test', ['acme.test'], false],
    ['a@acme.test.evil', ['acme.test'], false],
    ['a"@acme.test"@evil.test', ['acme.test'], false],
    ['a@acme.test', [], false],
  ])('%s against %j: %s', (email, allowed, expected) => {
    expect(emailDomainAllowed(email, allowed)).toBe(expected);
  });
});
