import type { WorkspaceRole } from '@quarry/contracts';
import { workspaceMembers } from '@quarry/db/schema';
import { and, count, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../../service-context';

/** How many Admins of the workspace can still sign in. Call under `lockWorkspaceMembership`. */
export async function countActiveAdmins(tx: Tx, workspaceId: string): Promise<number> {
  const [row] = await tx
    .select({ admins: count() })
    .from(workspaceMembers)
    .where(
      and(
        eq(workspaceMembers.workspaceId, workspaceId),
        eq(workspaceMembers.role, 'admin'),
        isNull(workspaceMembers.deactivatedAt),
      ),
    );
  return row?.admins ?? 0;
}

/** Would taking this member's Admin powers away leave the workspace with no active Admin? */
export async function isLastActiveAdmin(
  tx: Tx,
  input: { workspaceId: string; member: { role: WorkspaceRole; deactivatedAt: Date | null } },
): Promise<boolean> {
  if (input.member.role !== 'admin' || input.member.deactivatedAt) return false;
  return (await countActiveAdmins(tx, input.workspaceId)) <= 1;
}
