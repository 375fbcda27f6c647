import { BUILT_IN_GROUP_LABELS, groupsOf, type MemberActor } from '@quarry/access';
import type { Db } from '@quarry/db';
import { groups, users } from '@quarry/db/schema';
import { and, eq, inArray } from 'drizzle-orm';

/** Who reads, as a connection that passes the reader's identity signs it (CONN-5). */
export type ReaderFacts = {
  userId: string;
  email: string;
  workspaceId: string;
  groups: { id: string; name: string }[];
};

/**
 * The run owner's identity as Quarry's own database says it now: their current email and every
 * group they are in, built-in ones (by role) included, each with its current name. Read when the
 * run starts, never taken from the job or a session, so a member removed from a group reads
 * without it from the next run on.
 */
export async function loadReaderFacts(
  db: Db,
  input: { workspaceId: string; actor: MemberActor },
): Promise<ReaderFacts | null> {
  const [user] = await db.select({ email: users.email }).from(users).where(eq(users.id, input.actor.userId));
  if (!user) return null;
  const memberOf = [...groupsOf(input.actor)];
  const custom = memberOf.filter((id) => !Object.hasOwn(BUILT_IN_GROUP_LABELS, id));
  const named = custom.length
    ? await db
        .select({ id: groups.id, name: groups.name })
        .from(groups)
        .where(and(eq(groups.workspaceId, input.workspaceId), inArray(groups.id, custom)))
    : [];
  const names = new Map(named.map((group) => [group.id, group.name]));
  return {
    userId: input.actor.userId,
    email: user.email,
    workspaceId: input.workspaceId,
    groups: memberOf.flatMap((id) => {
      const name = Object.hasOwn(BUILT_IN_GROUP_LABELS, id)
        ? BUILT_IN_GROUP_LABELS[id as keyof typeof BUILT_IN_GROUP_LABELS]
        : names.get(id);
      return name === undefined ? [] : [{ id, name }];
    }),
  };
}
