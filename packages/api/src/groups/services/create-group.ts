import { type GroupSummary, ok, type Result } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { groups } from '@quarry/db/schema';
import { auditChange, type ServiceContext } from '../../service-context';
import { checkGroupName } from './check-group-name';
import { lockWorkspaceGroups } from './group-lock';

export async function createCustomGroup(
  ctx: ServiceContext,
  input: { name: string },
): Promise<Result<GroupSummary>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    await lockWorkspaceGroups(tx, workspaceId);
    const allowed = await checkGroupName(tx, { workspaceId, name: input.name });
    if (!allowed.ok) return allowed;
    const id = newId('group');
    await tx.insert(groups).values({ id, workspaceId, name: input.name, createdAt: now });
    await auditChange(
      tx,
      ctx,
      {
        action: 'group.create',
        target: { type: 'group', id },
        details: { before: null, after: { name: input.name } },
      },
      now,
    );
    return ok({ id, name: input.name, members: [] });
  });
}
