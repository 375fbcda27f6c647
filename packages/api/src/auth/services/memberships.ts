import type { WorkspaceRole } from '@quarry/contracts';
import { workspaceMembers, workspaces } from '@quarry/db/schema';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Deps } from '../../deps';

/** A membership someone may act in: not deactivated, in a workspace that exists. */
export type ActiveMembership = { workspace: typeof workspaces.$inferSelect; role: WorkspaceRole };

/** Every workspace the user may sign in to, by name; the order never picks one for them. */
export async function activeMemberships(deps: Pick<Deps, 'db'>, userId: string): Promise<ActiveMembership[]> {
  return deps.db
    .select({ workspace: workspaces, role: workspaceMembers.role })
    .from(workspaceMembers)
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(and(eq(workspaceMembers.userId, userId), isNull(workspaceMembers.deactivatedAt)))
    .orderBy(asc(workspaces.name), asc(workspaces.id));
}
