import { err, ok, type Result } from '@quarry/contracts';
import { connections, projectConnections } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../service-context';

/**
 * A cell may only use a connection its project imports (of the caller's workspace). The import row
 * is held until the transaction ends: a removal of the import waits, then clears this cell too.
 */
export async function checkImported(
  tx: Tx,
  input: { workspaceId: string; projectId: string; connectionId: string },
): Promise<Result<void>> {
  const [imported] = await tx
    .select({ connectionId: projectConnections.connectionId })
    .from(projectConnections)
    .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
    .where(
      and(
        eq(projectConnections.projectId, input.projectId),
        eq(projectConnections.connectionId, input.connectionId),
        eq(connections.workspaceId, input.workspaceId),
      ),
    )
    .for('share', { of: projectConnections });
  if (!imported) {
    return err({
      code: 'connections.not_in_project',
      message: 'This project does not use that data connection',
      hint: 'Add the connection to the project first, or pick one of its connections',
      details: { field: 'connectionId' },
    });
  }
  return ok(undefined);
}
