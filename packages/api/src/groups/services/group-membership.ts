import { err, type GroupSummary, ok, type Result } from '@quarry/contracts';
import { groupMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { loadMember } from '../../members/services/member-summaries';
import { lockWorkspaceMembership } from '../../members/services/membership-lock';
import { auditChange, type ServiceContext } from '../../service-context';
import { notInGroup } from '../errors';
import { findGroup, groupSummary } from './group-summaries';

type GroupMember = { groupId: string; userId: string };

/** Adds a member of this workspace to one of its custom groups; anyone else is not found. */
export async function addGroupMember(ctx: ServiceContext, input: GroupMember): Promise<Result<GroupSummary>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    // The member lock: a removal from the workspace cannot interleave and leave a stray membership.
    await lockWorkspaceMembership(tx, workspaceId);
    const group = await findGroup(tx, { workspaceId, groupId: input.groupId });
    if (!group) return err(notFound('group'));
    if (!(await loadMember(tx, { workspaceId, userId: input.userId }))) return err(notFound('member'));
    const added = await tx
      .insert(groupMembers)
      .values({ groupId: group.id, userId: input.userId, workspaceId, createdAt: now })
      .onConflictDoNothing()
      .returning({ userId: groupMembers.userId });
    if (added.length) {
      await auditChange(
        tx,
        ctx,
        {
          action: 'group.add_member',
          target: { type: 'group', id: group.id },
          details: { userId: input.userId, before: { member: false }, after: { member: true } },
        },
        now,
      );
    }
    return ok(await groupSummary(tx, { workspaceId, groupId: group.id }));
  });
}

/** Takes a member out of a custom group; a group or membership of another workspace is not found. */
export async function removeGroupMember(
  ctx: ServiceContext,
  input: GroupMember,
): Promise<Result<GroupSummary>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    await lockWorkspaceMembership(tx, workspaceId);
    const group = await findGroup(tx, { workspaceId, groupId: input.groupId });
    if (!group) return err(notFound('group'));
    const removed = await tx
      .delete(groupMembers)
      .where(
        and(
          eq(groupMembers.workspaceId, workspaceId),
          eq(groupMembers.groupId, group.id),
          eq(groupMembers.userId, input.userId),
        ),
      )
      .returning({ userId: groupMembers.userId });
    if (!removed.length) return err(notInGroup());
    await auditChange(
      tx,
      ctx,
      {
        action: 'group.remove_member',
        target: { type: 'group', id: group.id },
        details: { userId: input.userId, before: { member: true }, after: { member: false } },
      },
      now,
    );
    return ok(await groupSummary(tx, { workspaceId, groupId: group.id }));
  });
}
