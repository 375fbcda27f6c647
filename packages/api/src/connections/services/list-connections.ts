import { connections } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';

/** The workspace's data connections, by name and kind only: never credentials. */
export function listConnections(ctx: ServiceContext) {
  return ctx.deps.db
    .select({
      id: connections.id,
      name: connections.name,
      kind: connections.kind,
      scope: connections.scope,
    })
    .from(connections)
    .where(eq(connections.workspaceId, ctx.actor.workspaceId));
}
