import { BuiltInGroup, err, ok, type Result } from '@quarry/contracts';
import { groups } from '@quarry/db/schema';
import { and, eq, inArray } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { Tx } from '../../service-context';

const BUILT_IN = new Set<string>(BuiltInGroup.options);

/**
 * Groups named by an asset's permissions (groups with access, Can query, Can view results), once
 * each, after checking every custom group is this workspace's: another workspace's group id
 * answers NOT_FOUND, as if it did not exist.
 */
export async function checkWorkspaceGroups(
  tx: Pick<Tx, 'select'>,
  input: { workspaceId: string; groups: readonly string[] },
): Promise<Result<string[]>> {
  const unique = [...new Set(input.groups)];
  const custom = unique.filter((g) => !BUILT_IN.has(g));
  if (custom.length) {
    const found = await tx
      .select({ id: groups.id })
      .from(groups)
      .where(and(eq(groups.workspaceId, input.workspaceId), inArray(groups.id, custom)));
    if (found.length !== custom.length) return err(notFound('group'));
  }
  return ok(unique);
}
