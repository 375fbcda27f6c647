import { sql } from 'drizzle-orm';
import type { Tx } from '../../service-context';

/** Serialises changes to one workspace's group names, so the case-insensitive name check holds. */
export async function lockWorkspaceGroups(tx: Tx, workspaceId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`groups:${workspaceId}`}, 0))`);
}
