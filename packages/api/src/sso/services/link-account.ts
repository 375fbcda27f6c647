import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { userIdentities, users, workspaceMembers } from '@quarry/db/schema';
import { and, eq, sql } from 'drizzle-orm';
import { accountDeactivated, domainNotAllowed, identityConflict } from '../errors';
import { emailUnverified, type IdTokenClaims } from './auth-sso';
import type { Tx } from './service-context';
import { ssoDefaultRoleOf } from './settings';

export type SsoWorkspace = { id: string; allowedEmailDomains: string[]; ssoDefaultRole: string };

/** How the account was found: `identity` (iss, sub), `email` (linked now), `joined`, `provisioned`. */
export type SsoAccount = {
  userId: string;
  role: string;
  how: 'identity' | 'email' | 'joined' | 'provisioned';
};

export type SsoAccountRefusal = { error: QuarryError; userId: string | null };

type UserRow = typeof users.$inferSelect;

/** The part after the last `@`, lower-cased; compared exactly with the allowed domains. */
export function emailDomainAllowed(email: string, allowed: string[]): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return domain !== '' && allowed.some((d) => d.toLowerCase() === domain);
}

/**
 * Finds or makes the Quarry account for a verified identity token, inside the sign-in's transaction.
 *
 * OIDC-4: an account is found by (issuer, subject) first. Without a link, the email must be verified
 * by the provider; a user with that email who is a member of the provider's workspace is linked; a
 * non-member (or someone new) joins only when the email's domain is allowed, with the workspace's
 * SSO role. A deactivated account is refused, and so is an email whose account is already linked
 * to another subject at the same issuer (an email reassigned at the provider does not carry the
 * account with it).
 */
export async function resolveSsoAccount(
  tx: Tx,
  input: { workspace: SsoWorkspace; claims: IdTokenClaims; now: Date },
): Promise<Result<SsoAccount, SsoAccountRefusal>> {
  const { workspace, claims } = input;
  const refuse = (error: QuarryError, userId: string | null) => err({ error, userId });

  const [identity] = await tx
    .select({ userId: userIdentities.userId })
    .from(userIdentities)
    .where(and(eq(userIdentities.issuer, claims.issuer), eq(userIdentities.subject, claims.subject)));
  if (identity) {
    const user = await userById(tx, identity.userId);
    if (!user) throw new Error('identity without user');
    if (user.deactivatedAt) return refuse(accountDeactivated(), user.id);
    const role = await roleIn(tx, workspace.id, user.id);
    if (role) return ok({ userId: user.id, role, how: 'identity' });
    return join(tx, { ...input, user, linked: true });
  }

  if (!claims.emailVerified || !claims.email) return refuse(emailUnverified(), null);
  const [user] = await tx
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${claims.email.toLowerCase()}`)
    .limit(1);
  if (user) {
    if (user.deactivatedAt) return refuse(accountDeactivated(), user.id);
    const [other] = await tx
      .select({ subject: userIdentities.subject })
      .from(userIdentities)
      .where(and(eq(userIdentities.userId, user.id), eq(userIdentities.issuer, claims.issuer)))
      .limit(1);
    if (other) return refuse(identityConflict(), user.id);
    const role = await roleIn(tx, workspace.id, user.id);
    if (role) {
      await link(tx, { claims, userId: user.id, now: input.now });
      return ok({ userId: user.id, role, how: 'email' });
    }
  }
  return join(tx, { ...input, user: user ?? null, linked: false });
}

/** Adds someone to the workspace through SSO: verified email, allowed domain, the SSO role. */
async function join(
  tx: Tx,
  input: { workspace: SsoWorkspace; claims: IdTokenClaims; now: Date; user: UserRow | null; linked: boolean },
): Promise<Result<SsoAccount, SsoAccountRefusal>> {
  const { workspace, claims, now, user } = input;
  const userId = user?.id ?? null;
  if (!claims.emailVerified || !claims.email) return err({ error: emailUnverified(), userId });
  if (!emailDomainAllowed(claims.email, workspace.allowedEmailDomains)) {
    return err({ error: domainNotAllowed(), userId });
  }
  const role = ssoDefaultRoleOf(workspace.ssoDefaultRole);
  let id = userId;
  if (!id) {
    id = newId('user');
    await tx.insert(users).values({
      id,
      email: claims.email,
      name: (claims.name ?? claims.email.slice(0, claims.email.lastIndexOf('@'))).slice(0, 200),
      passwordHash: null,
      createdAt: now,
    });
  }
  await tx
    .insert(workspaceMembers)
    .values({ workspaceId: workspace.id, userId: id, role, createdAt: now })
    .onConflictDoNothing();
  if (!input.linked) await link(tx, { claims, userId: id, now });
  const actual = (await roleIn(tx, workspace.id, id)) ?? role;
  return ok({ userId: id, role: actual, how: userId ? 'joined' : 'provisioned' });
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

async function roleIn(tx: Tx, workspaceId: string, userId: string): Promise<string | null> {
  const [member] = await tx
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
  return member?.role ?? null;
}
