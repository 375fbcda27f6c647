import { BUILT_IN_GROUP_LABELS } from '@quarry/access';
import { BuiltInGroup, err, ok, type Result } from '@quarry/contracts';
import { groups } from '@quarry/db/schema';
import { and, eq, ne, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../service-context';
import { nameReserved, nameTaken } from '../errors';

/** Built-in groups are implied by role, not rows: their ids and labels are not custom group names. */
const RESERVED = new Set(
  [...BuiltInGroup.options, ...Object.values(BUILT_IN_GROUP_LABELS)].map((name) => name.toLowerCase()),
);

/**
 * May a custom group of this workspace take this name? Names are unique per workspace, ignoring
 * case, so 'Data team' and 'data team' are not two groups. Call under the workspace's group lock.
 */
export async function checkGroupName(
  tx: Pick<Tx, 'select'>,
  input: { workspaceId: string; name: string; exceptGroupId?: string },
): Promise<Result<void>> {
  if (RESERVED.has(input.name.toLowerCase())) return err(nameReserved(input.name));
  const where: SQL[] = [
    eq(groups.workspaceId, input.workspaceId),
    sql`lower(${groups.name}) = ${input.name.toLowerCase()}`,
  ];
  if (input.exceptGroupId) where.push(ne(groups.id, input.exceptGroupId));
  const [taken] = await tx
    .select({ id: groups.id })
    .from(groups)
    .where(and(...where))
    .limit(1);
  return taken ? err(nameTaken(input.name)) : ok(undefined);
}
