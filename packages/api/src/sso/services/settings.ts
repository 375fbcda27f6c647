import { err, ok, type Result, SsoSettings } from '@quarry/contracts';
import { sessions, ssoProviders, workspaceMembers, workspaces } from '@quarry/db/schema';
import { and, count, eq, inArray, ne } from 'drizzle-orm';
import type { z } from 'zod';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext, type Tx } from '../../service-context';
import { noProvider } from '../errors';

type Settings = z.infer<typeof SsoSettings>;

/** The role SSO gives a newly joined member: never Admin, whatever the column says. */
export function ssoDefaultRoleOf(value: string): Settings['defaultRole'] {
  const parsed = SsoSettings.shape.defaultRole.safeParse(value);
  return parsed.success ? parsed.data : 'viewer';
}

/** The workspace's SSO settings; `lock` holds its row until the transaction ends. */
async function readSettings(
  tx: Pick<Tx, 'select'>,
  workspaceId: string,
  lock = false,
): Promise<Settings | null> {
  const query = tx
    .select({
      allowedEmailDomains: workspaces.allowedEmailDomains,
      ssoDefaultRole: workspaces.ssoDefaultRole,
      ssoRequired: workspaces.ssoRequired,
    })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) return null;
  return {
    allowedEmailDomains: row.allowedEmailDomains,
    defaultRole: ssoDefaultRoleOf(row.ssoDefaultRole),
    ssoRequired: row.ssoRequired,
  };
}

export async function getSettings(ctx: ServiceContext): Promise<Result<Settings>> {
  const settings = await readSettings(ctx.deps.db, ctx.actor.workspaceId);
  return settings ? ok(settings) : err(notFound('workspace'));
}

/**
 * Sets the allowed email domains (lower-cased, de-duplicated), the role SSO gives new members and
 * whether SSO is required (password sign-in then refused for everyone but Admins, and their
 * password sessions here ended). Requiring SSO needs a provider first.
 */
export async function updateSettings(ctx: ServiceContext, input: Settings): Promise<Result<Settings>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  const next: Settings = {
    allowedEmailDomains: [...new Set(input.allowedEmailDomains.map((d) => d.toLowerCase()))].sort(),
    defaultRole: input.defaultRole,
    ssoRequired: input.ssoRequired,
  };
  return ctx.deps.db.transaction(async (tx) => {
    // The row lock orders this against deleteProvider's last-provider check.
    const before = await readSettings(tx, workspaceId, true);
    if (!before) return err(notFound('workspace'));
    if (next.ssoRequired) {
      const [row] = await tx
        .select({ providers: count() })
        .from(ssoProviders)
        .where(eq(ssoProviders.workspaceId, workspaceId));
      if (!row?.providers) return err(noProvider());
    }
    await tx
      .update(workspaces)
      .set({
        allowedEmailDomains: next.allowedEmailDomains,
        ssoDefaultRole: next.defaultRole,
        ssoRequired: next.ssoRequired,
      })
      .where(eq(workspaces.id, workspaceId));
    // Requiring SSO also ends the password sessions it now refuses: non-Admins signed in with a
    // password sign in again through the provider.
    const ended =
      next.ssoRequired && !before.ssoRequired
        ? await tx
            .delete(sessions)
            .where(
              and(
                eq(sessions.workspaceId, workspaceId),
                eq(sessions.authMethod, 'password'),
                inArray(
                  sessions.userId,
                  tx
                    .select({ userId: workspaceMembers.userId })
                    .from(workspaceMembers)
                    .where(
                      and(eq(workspaceMembers.workspaceId, workspaceId), ne(workspaceMembers.role, 'admin')),
                    ),
                ),
              ),
            )
            .returning({ id: sessions.id })
        : [];
    await auditChange(
      tx,
      ctx,
      {
        action: 'sso.settings_update',
        target: { type: 'workspace', id: workspaceId },
        details: { before, after: next, passwordSessionsEnded: ended.length },
      },
      now,
    );
    return ok(next);
  });
}
