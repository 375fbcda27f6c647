import type { GroupOption } from '@quarry/contracts';
import { groups } from '@quarry/db/schema';
import { asc, eq } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';

/** The workspace's custom groups by name only (no members, no emails), for anyone sharing. */
export function listGroupOptions(ctx: ServiceContext): Promise<GroupOption[]> {
  return ctx.deps.db
    .select({ id: groups.id, name: groups.name })
    .from(groups)
    .where(eq(groups.workspaceId, ctx.actor.workspaceId))
    .orderBy(asc(groups.name));
}
