import { err, type GroupSummary, ok, type Result } from '@quarry/contracts';
import { groups } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { checkGroupName } from './check-group-name';
import { lockWorkspaceGroups } from './group-lock';
import { findGroup, groupSummary } from './group-summaries';

export async function renameCustomGroup(
  ctx: ServiceContext,
  input: { groupId: string; name: string },
): Promise<Result<GroupSummary>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    await lockWorkspaceGroups(tx, workspaceId);
    const group = await findGroup(tx, { workspaceId, groupId: input.groupId });
    if (!group) return err(notFound('group'));
    if (group.name === input.name) return ok(await groupSummary(tx, { workspaceId, groupId: group.id }));
    const allowed = await checkGroupName(tx, { workspaceId, name: input.name, exceptGroupId: group.id });
    if (!allowed.ok) return allowed;
    await tx
      .update(groups)
      .set({ name: input.name })
      .where(and(eq(groups.workspaceId, workspaceId), eq(groups.id, group.id)));
    await auditChange(
      tx,
      ctx,
      {
        action: 'group.rename',
        target: { type: 'group', id: group.id },
        details: { before: { name: group.name }, after: { name: input.name } },
      },
      now,
    );
    return ok(await groupSummary(tx, { workspaceId, groupId: group.id }));
  });
}
