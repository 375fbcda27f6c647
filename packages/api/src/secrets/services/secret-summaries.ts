import type { SecretSummary } from '@quarry/contracts';
import { projectSecrets, projects, secrets } from '@quarry/db/schema';
import { and, count, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../service-context';

/** The columns a summary is made of: never `value`, so no answer can carry it by accident. */
export const secretFacts = {
  id: secrets.id,
  name: secrets.name,
  groupsWithAccess: secrets.groupsWithAccess,
  updatedAt: secrets.updatedAt,
};
export type SecretFacts = { id: string; name: string; groupsWithAccess: string[]; updatedAt: Date };

/** How many of this workspace's projects import each secret, counted through the project's workspace. */
export async function usageCounts(
  db: Pick<Tx, 'select'>,
  input: { workspaceId: string; secretIds: readonly string[] },
): Promise<Map<string, number>> {
  if (input.secretIds.length === 0) return new Map();
  const rows = await db
    .select({ secretId: projectSecrets.secretId, uses: count() })
    .from(projectSecrets)
    .innerJoin(projects, eq(projects.id, projectSecrets.projectId))
    .where(
      and(
        eq(projects.workspaceId, input.workspaceId),
        inArray(projectSecrets.secretId, [...input.secretIds]),
      ),
    )
    .groupBy(projectSecrets.secretId);
  return new Map(rows.map((r) => [r.secretId, r.uses]));
}

export const toSecretSummary = (
  row: SecretFacts,
  input: { usageCount: number; canManage: boolean },
): SecretSummary => ({
  id: row.id,
  name: row.name,
  groupsWithAccess: row.groupsWithAccess,
  usageCount: input.usageCount,
  canManage: input.canManage,
  updatedAt: row.updatedAt,
});
