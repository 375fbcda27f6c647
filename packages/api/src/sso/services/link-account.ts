import { err, ok, type QuarryError, type Result, type WorkspaceRole } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { invites, userIdentities, users, workspaceMembers } from '@quarry/db/schema';
import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../service-context';
import {
  accountDeactivated,
  accountElsewhere,
  badClaims,
  domainNotAllowed,
  identityConflict,
} from '../errors';
import { emailUnverified, type IdTokenClaims } from './auth-sso';
import { ssoDefaultRoleOf } from './settings';

export type SsoWorkspace = { id: string; allowedEmailDomains: string[]; ssoDefaultRole: string };

/**
 * How the account was found: `identity` (iss, sub), `email` (a member, linked now), `invited`
 * (joined through a pending invite to that email), `joined` (an account in no workspace, rejoining
 * through an allowed domain), `provisioned` (new).
 */
export type SsoAccount = {
  userId: string;
  role: WorkspaceRole;
  how: 'identity' | 'email' | 'invited' | 'joined' | 'provisioned';
};

export type SsoAccountRefusal = { error: QuarryError; userId: string | null };

type UserRow = typeof users.$inferSelect;
type Membership = { role: WorkspaceRole; deactivatedAt: Date | null };

/** The part after the last `@`, lower-cased; compared exactly with the allowed domains. */
export function emailDomainAllowed(email: string, allowed: string[]): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return domain !== '' && allowed.some((d) => d.toLowerCase() === domain);
}

/**
 * Finds or makes the Quarry account for a verified identity token, inside the sign-in's transaction.
 *
 * OIDC-4: an account is found by (issuer, subject) first; otherwise the email must be verified.
 *
 * OIDC-5: a provider is trusted only inside the workspace that configured it. Its claims reach an
 * existing account only when that account is a member of this workspace. An account that belongs
 * to another workspace is never linked, signed in or added here because of a claim, invited or
 * not: whoever runs this workspace's provider (and writes its invites) can assert any email.
 * Someone new (or an SSO-only account in no workspace at all) joins through an invite to that
 * email, or when the email's domain is allowed, with the workspace's SSO role; an account with a
 * password of its own is never adopted. Sessions made this way are
 * good in this workspace only (sessions.auth_method). A deactivated membership is refused, and so is an email whose account is
 * already linked to another subject at the same issuer (an email reassigned at the provider does
 * not carry the account with it).
 */
export async function resolveSsoAccount(
  tx: Tx,
  input: { workspace: SsoWorkspace; claims: IdTokenClaims; now: Date },
): Promise<Result<SsoAccount, SsoAccountRefusal>> {
  const { workspace, claims } = input;
  const refuse = (error: QuarryError, userId: string | null) => err({ error, userId });
  // A provider's claims are input like any other: PostgreSQL text cannot hold a NUL.
  if ([claims.subject, claims.email ?? ''].some((value) => value.includes('\0'))) {
    return refuse(badClaims(), null);
  }

  const [identity] = await tx
    .select({ userId: userIdentities.userId })
    .from(userIdentities)
    .where(and(eq(userIdentities.issuer, claims.issuer), eq(userIdentities.subject, claims.subject)));
  if (identity) {
    const user = await userById(tx, identity.userId);
    if (!user) throw new Error('identity without user');
    const member = await membershipIn(tx, workspace.id, user.id);
    if (member?.deactivatedAt) return refuse(accountDeactivated(), user.id);
    if (member) return ok({ userId: user.id, role: member.role, how: 'identity' });
    return join(tx, { ...input, user, linked: true });
  }

  if (!claims.emailVerified || !claims.email) return refuse(emailUnverified(), null);
  const [user] = await tx
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${claims.email.toLowerCase()}`)
    .limit(1);
  if (user) {
    const member = await membershipIn(tx, workspace.id, user.id);
    if (member?.deactivatedAt) return refuse(accountDeactivated(), user.id);
    const [other] = await tx
      .select({ subject: userIdentities.subject })
      .from(userIdentities)
      .where(and(eq(userIdentities.userId, user.id), eq(userIdentities.issuer, claims.issuer)))
      .limit(1);
    if (other) return refuse(identityConflict(), user.id);
    if (member) {
      await link(tx, { claims, userId: user.id, now: input.now });
      return ok({ userId: user.id, role: member.role, how: 'email' });
    }
  }
  return join(tx, { ...input, user: user ?? null, linked: false });
}

/**
 * Adds someone to the workspace through SSO. An existing account that belongs to any other
 * workspace is refused (OIDC-5), invite or not. For anyone else, a pending invite addressed to the
 * verified email lets them in with the invite's role (and uses the invite up); without one they
 * need an allowed domain.
 */
async function join(
  tx: Tx,
  input: { workspace: SsoWorkspace; claims: IdTokenClaims; now: Date; user: UserRow | null; linked: boolean },
): Promise<Result<SsoAccount, SsoAccountRefusal>> {
  const { workspace, claims, now, user } = input;
  const userId = user?.id ?? null;
  // Even a link found by (iss, sub) joins by the email the provider asserts now, verified.
  if (!claims.emailVerified || !claims.email) return err({ error: emailUnverified(), userId });
  const email = claims.email;
  // Not even with an invite: this workspace's Admin wrote the invite and runs the provider, so
  // together they prove nothing about who owns the account. An account with a password of its own
  // is never adopted either, even one no workspace holds any more: its owner joins with that
  // password (invites.join). Only an SSO-only account in no workspace (nobody's to lose) rejoins.
  if (
    user &&
    (user.passwordHash !== null ||
      (await belongsElsewhere(tx, { userId: user.id, workspaceId: workspace.id })))
  ) {
    return err({ error: accountElsewhere(), userId });
  }
  const invite = await pendingInvite(tx, { workspaceId: workspace.id, email, now });
  let role: WorkspaceRole;
  let how: SsoAccount['how'];
  if (invite) {
    role = invite.role;
    how = 'invited';
  } else {
    if (!emailDomainAllowed(email, workspace.allowedEmailDomains)) {
      return err({ error: domainNotAllowed(), userId });
    }
    role = ssoDefaultRoleOf(workspace.ssoDefaultRole);
    how = user ? 'joined' : 'provisioned';
  }
  let id = userId;
  if (!id) {
    id = newId('user');
    await tx.insert(users).values({
      id,
      email,
      name: displayName(claims.name, email),
      passwordHash: null,
      createdAt: now,
    });
  }
  await tx
    .insert(workspaceMembers)
    .values({ workspaceId: workspace.id, userId: id, role, createdAt: now })
    .onConflictDoNothing();
  if (invite) await tx.update(invites).set({ acceptedAt: now }).where(eq(invites.id, invite.id));
  if (!input.linked) await link(tx, { claims, userId: id, now });
  const actual = (await membershipIn(tx, workspace.id, id))?.role ?? role;
  return ok({ userId: id, role: actual, how });
}

/** The newest live invite to this workspace addressed to this email, locked for the sign-in. */
async function pendingInvite(tx: Tx, input: { workspaceId: string; email: string; now: Date }) {
  const [invite] = await tx
    .select({ id: invites.id, role: invites.role })
    .from(invites)
    .where(
      and(
        eq(invites.workspaceId, input.workspaceId),
        sql`lower(${invites.email}) = ${input.email.toLowerCase()}`,
        isNull(invites.acceptedAt),
        isNull(invites.revokedAt),
        gt(invites.expiresAt, input.now),
      ),
    )
    .orderBy(desc(invites.createdAt))
    .limit(1)
    .for('update');
  return invite ?? null;
}

/** Whether the account is (or was, deactivated) a member of any workspace but this one. */
async function belongsElsewhere(tx: Tx, input: { userId: string; workspaceId: string }): Promise<boolean> {
  const [other] = await tx
    .select({ workspaceId: workspaceMembers.workspaceId })
    .from(workspaceMembers)
    .where(
      and(eq(workspaceMembers.userId, input.userId), ne(workspaceMembers.workspaceId, input.workspaceId)),
    )
    .limit(1);
  return other !== undefined;
}

/** The provider's name for the person, printable and bounded, or the email's local part. */
function displayName(name: string | null, email: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  const clean = (name ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (clean || email.slice(0, email.lastIndexOf('@'))).slice(0, 200);
}

async function link(tx: Tx, input: { claims: IdTokenClaims; userId: string; now: Date }): Promise<void> {
  await tx
    .insert(userIdentities)
    .values({
      issuer: input.claims.issuer,
      subject: input.claims.subject,
      userId: input.userId,
      createdAt: input.now,
    })
    .onConflictDoNothing();
}

async function userById(tx: Tx, userId: string): Promise<UserRow | undefined> {
  const [user] = await tx.select().from(users).where(eq(users.id, userId));
  return user;
}

async function membershipIn(tx: Tx, workspaceId: string, userId: string): Promise<Membership | null> {
  const [member] = await tx
    .select({ role: workspaceMembers.role, deactivatedAt: workspaceMembers.deactivatedAt })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
  return member ?? null;
}
