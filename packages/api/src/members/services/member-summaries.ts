import type { MemberSummary } from '@quarry/contracts';
import { groupMembers, groups, users, workspaceMembers } from '@quarry/db/schema';
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../service-context';

type Reader = Pick<Tx, 'select'>;

/** The workspace's members (or one of them) as the API shows them, with their custom groups. */
export async function loadMemberSummaries(
  db: Reader,
  input: { workspaceId: string; userId?: string },
): Promise<MemberSummary[]> {
  const memberWhere: SQL[] = [eq(workspaceMembers.workspaceId, input.workspaceId)];
  const groupWhere: SQL[] = [
    eq(groupMembers.workspaceId, input.workspaceId),
    eq(groups.workspaceId, input.workspaceId),
  ];
  if (input.userId) {
    memberWhere.push(eq(workspaceMembers.userId, input.userId));
    groupWhere.push(eq(groupMembers.userId, input.userId));
  }
  const [rows, memberships] = await Promise.all([
    db
      .select({
        userId: users.id,
        email: users.email,
        name: users.name,
        deactivatedAt: workspaceMembers.deactivatedAt,
        role: workspaceMembers.role,
        joinedAt: workspaceMembers.createdAt,
      })
      .from(workspaceMembers)
      .innerJoin(users, eq(users.id, workspaceMembers.userId))
      .where(and(...memberWhere))
      .orderBy(asc(sql`lower(${users.name})`), asc(users.email)),
    db
      .select({ userId: groupMembers.userId, id: groups.id, name: groups.name })
      .from(groupMembers)
      .innerJoin(groups, eq(groups.id, groupMembers.groupId))
      .where(and(...groupWhere))
      .orderBy(asc(sql`lower(${groups.name})`)),
  ]);
  const groupsOf = new Map<string, MemberSummary['groups']>();
  for (const { userId, id, name } of memberships) {
    groupsOf.set(userId, [...(groupsOf.get(userId) ?? []), { id, name }]);
  }
  return rows.map((row) => ({
    userId: row.userId,
    email: row.email,
    name: row.name,
    role: row.role,
    status: row.deactivatedAt ? 'deactivated' : 'active',
    groups: groupsOf.get(row.userId) ?? [],
    joinedAt: row.joinedAt,
  }));
}

/** One member of the workspace with the facts a change needs, or null when not a member. */
export async function loadMember(tx: Reader, input: { workspaceId: string; userId: string }) {
  const [member] = await tx
    .select({
      role: workspaceMembers.role,
      deactivatedAt: workspaceMembers.deactivatedAt,
      email: users.email,
    })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(
      and(eq(workspaceMembers.workspaceId, input.workspaceId), eq(workspaceMembers.userId, input.userId)),
    );
  return member ?? null;
}

/** The summary of a member known to exist (inside the transaction that just changed them). */
export async function memberSummary(
  tx: Reader,
  input: { workspaceId: string; userId: string },
): Promise<MemberSummary> {
  const [summary] = await loadMemberSummaries(tx, input);
  if (!summary) throw new Error(`member ${input.userId} vanished inside its own transaction`);
  return summary;
}
