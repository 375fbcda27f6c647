import { BUILT_IN_GROUP_LABELS, type MemberActor } from '@quarry/access';
import { BuiltInGroup, err, ok, type Result, type ShareTarget } from '@quarry/contracts';
import { loadMemberActor } from '@quarry/db/access-facts';
import { groups } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';

/** The built-in group's label, or null for a custom group. */
export const builtInGroupLabel = (groupId: string): string | null => {
  const parsed = BuiltInGroup.safeParse(groupId);
  return parsed.success ? BUILT_IN_GROUP_LABELS[parsed.data] : null;
};

/**
 * Whom a share names, as the engine sees them: a member of this workspace, or a built-in or custom
 * group of it. Anyone or anything of another workspace answers NOT_FOUND.
 */
export async function resolveShareTarget(
  ctx: ServiceContext,
  target: ShareTarget,
): Promise<Result<MemberActor | { kind: 'group'; groupId: string }>> {
  const { db } = ctx.deps;
  const { workspaceId } = ctx.actor;
  if (target.kind === 'user') {
    const member = await loadMemberActor(db, { workspaceId, userId: target.userId });
    return member ? ok(member) : err(notFound('member'));
  }
  if (builtInGroupLabel(target.groupId) !== null) return ok({ kind: 'group', groupId: target.groupId });
  const [group] = await db
    .select({ id: groups.id })
    .from(groups)
    .where(and(eq(groups.id, target.groupId), eq(groups.workspaceId, workspaceId)));
  return group ? ok({ kind: 'group', groupId: group.id }) : err(notFound('group'));
}
