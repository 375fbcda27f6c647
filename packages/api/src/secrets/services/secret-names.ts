import { err, ok, type Result } from '@quarry/contracts';
import { secrets } from '@quarry/db/schema';
import { and, eq, ne, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../service-context';
import { nameTaken } from '../errors';

/**
 * Serialises creating and renaming one workspace's secrets, so the name check below holds (and a
 * race ends in `secrets.name_taken`, not in a unique-index error carrying the sealed row).
 */
export async function lockWorkspaceSecrets(tx: Tx, workspaceId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`secrets:${workspaceId}`}, 0))`);
}

/** May a secret of this workspace take this name? Call under the workspace's secrets lock. */
export async function checkSecretName(
  tx: Pick<Tx, 'select'>,
  input: { workspaceId: string; name: string; exceptSecretId?: string },
): Promise<Result<void>> {
  const where: SQL[] = [eq(secrets.workspaceId, input.workspaceId), eq(secrets.name, input.name)];
  if (input.exceptSecretId) where.push(ne(secrets.id, input.exceptSecretId));
  const [taken] = await tx
    .select({ id: secrets.id })
    .from(secrets)
    .where(and(...where))
    .limit(1);
  return taken ? err(nameTaken(input.name)) : ok(undefined);
}
