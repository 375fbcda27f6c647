import { hasAssetAccess, isAdmin } from '@quarry/access';
import { ok, type Result, type SecretSummary } from '@quarry/contracts';
import { loadMemberActor } from '@quarry/db/access-facts';
import { secrets } from '@quarry/db/schema';
import { asc, eq } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';
import { secretFacts, toSecretSummary, usageCounts } from './secret-summaries';

/**
 * The workspace's secrets the caller may use: every one for an Admin, otherwise those shared with
 * one of the caller's groups (a Guest sees none by default). Names and groups only, never a value.
 */
export async function listSecrets(ctx: ServiceContext): Promise<Result<SecretSummary[]>> {
  const { db } = ctx.deps;
  const { workspaceId, userId } = ctx.actor;
  // Groups are read now, not from the session: a member just removed from a group stops seeing its secrets.
  const member = await loadMemberActor(db, { workspaceId, userId });
  if (!member) return ok([]);
  const rows = await db
    .select(secretFacts)
    .from(secrets)
    .where(eq(secrets.workspaceId, workspaceId))
    .orderBy(asc(secrets.name));
  const visible = rows.filter((row) =>
    hasAssetAccess(member, {
      kind: 'secret',
      id: row.id,
      name: row.name,
      groupsWithAccess: row.groupsWithAccess,
    }),
  );
  const uses = await usageCounts(db, { workspaceId, secretIds: visible.map((r) => r.id) });
  const canManage = isAdmin(member);
  return ok(visible.map((row) => toSecretSummary(row, { usageCount: uses.get(row.id) ?? 0, canManage })));
}
