import { sql } from 'drizzle-orm';
import type { Tx } from '../../service-context';

/**
 * Serialises changes to one workspace's membership (roles, activity, groups, joins): the last-Admin
 * rule reads the Admins and then writes, and two Admins demoting each other at once must not both
 * succeed. Held until the transaction ends.
 */
export async function lockWorkspaceMembership(tx: Tx, workspaceId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`members:${workspaceId}`}, 0))`);
}
