import type { GroupSummary } from '@quarry/contracts';
import { groupMembers, groups, users, workspaceMembers } from '@quarry/db/schema';
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../service-context';

type Reader = Pick<Tx, 'select'>;

/** The workspace's custom groups (or one of them) with their members, by name. */
export async function loadGroupSummaries(
  db: Reader,
  input: { workspaceId: string; groupId?: string },
): Promise<GroupSummary[]> {
  const groupWhere: SQL[] = [eq(groups.workspaceId, input.workspaceId)];
  const memberWhere: SQL[] = [eq(groupMembers.workspaceId, input.workspaceId)];
  if (input.groupId) {
    groupWhere.push(eq(groups.id, input.groupId));
    memberWhere.push(eq(groupMembers.groupId, input.groupId));
  }
  const [rows, members] = await Promise.all([
    db
      .select({ id: groups.id, name: groups.name })
      .from(groups)
      .where(and(...groupWhere))
      .orderBy(asc(sql`lower(${groups.name})`)),
    // Only people still in the workspace count as members of its groups.
    db
      .select({ groupId: groupMembers.groupId, userId: users.id, email: users.email, name: users.name })
      .from(groupMembers)
      .innerJoin(users, eq(users.id, groupMembers.userId))
      .innerJoin(
        workspaceMembers,
        and(
          eq(workspaceMembers.userId, groupMembers.userId),
          eq(workspaceMembers.workspaceId, groupMembers.workspaceId),
        ),
      )
      .where(and(...memberWhere))
      .orderBy(asc(sql`lower(${users.name})`), asc(users.email)),
  ]);
  const membersOf = new Map<string, GroupSummary['members']>();
  for (const { groupId, ...member } of members) {
    membersOf.set(groupId, [...(membersOf.get(groupId) ?? []), member]);
  }
  return rows.map((row) => ({ ...row, members: membersOf.get(row.id) ?? [] }));
}

/** One custom group of the workspace, or null when it is not one of this workspace's. */
export async function findGroup(db: Reader, input: { workspaceId: string; groupId: string }) {
  const [group] = await db
    .select()
    .from(groups)
    .where(and(eq(groups.workspaceId, input.workspaceId), eq(groups.id, input.groupId)));
  return group ?? null;
}

/** The summary of a group known to exist (inside the transaction that just changed it). */
export async function groupSummary(db: Reader, input: { workspaceId: string; groupId: string }) {
  const [summary] = await loadGroupSummaries(db, input);
  if (!summary) throw new Error(`group ${input.groupId} vanished inside its own transaction`);
  return summary;
}
