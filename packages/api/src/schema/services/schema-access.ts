import {
  type ConnectionDecision,
  decideConnectionPermissions,
  decideProjectPermission,
  isAdmin,
  type MemberActor,
  meetsProjectPermission,
} from '@quarry/access';
import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import { connectionFacts, loadMemberActor, loadMemberProjectFacts } from '@quarry/db/access-facts';
import { connections } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';

export type ConnectionRow = typeof connections.$inferSelect;

/** The caller's view of one connection's schema: who they are, and what the engine decided. */
export type SchemaAccess = {
  connection: ConnectionRow;
  actor: MemberActor;
  decision: ConnectionDecision;
  /** Whether the caller manages the connection, and so may read why a refresh failed. */
  manages: boolean;
};

const refused = (reason: { code: string; message: string }, hint: string): QuarryError => ({
  code: reason.code,
  message: reason.message,
  hint,
});

/**
 * Who may browse a connection's schema: someone with Can query on it (Admins always), as the
 * engine decides. A project connection is browsed from its project only, by those who may author
 * there (Can edit); a workspace connection browsed from a project must be imported by it. Another
 * workspace's connection, a project the caller cannot see, or one that does not import it: NOT_FOUND.
 */
export async function schemaAccess(
  ctx: ServiceContext,
  input: { connectionId: string; projectId?: string | undefined },
): Promise<Result<SchemaAccess>> {
  const { workspaceId, userId } = ctx.actor;
  const [connection] = await ctx.deps.db
    .select()
    .from(connections)
    .where(and(eq(connections.id, input.connectionId), eq(connections.workspaceId, workspaceId)));
  if (!connection) return err(notFound('connection'));
  const projectId = connection.scope === 'project' ? connection.projectId : input.projectId;
  if (connection.scope === 'project' && input.projectId && input.projectId !== connection.projectId) {
    return err(notFound('connection'));
  }
  // The member, and their facts on the project when one is in play, in one statement.
  const { member: actor, facts } = projectId
    ? await loadMemberProjectFacts(ctx.deps.db, { workspaceId, userId, projectId })
    : { member: await loadMemberActor(ctx.deps.db, { workspaceId, userId }), facts: null };
  if (!actor) return err(notFound('connection'));
  let manages = isAdmin(actor) && connection.scope === 'workspace';
  if (projectId) {
    if (!facts) return err(notFound('connection'));
    const project = decideProjectPermission(facts);
    if (project.effective === 'none' && project.granted === 'none') return err(notFound('connection'));
    if (connection.scope === 'workspace' && !facts.connections.some((c) => c.id === connection.id)) {
      return err(notFound('connection'));
    }
    if (connection.scope === 'project') {
      if (!meetsProjectPermission(project.effective, 'can_edit')) {
        const why = project.reasons.at(-1) ?? {
          code: 'access.insufficient_permission',
          message: 'You need Can edit on this project to browse its connection',
        };
        return err(refused(why, 'Ask someone with Full access on the project for Can edit'));
      }
      manages = true;
    }
  }
  const decision = decideConnectionPermissions({ actor, connection: connectionFacts(connection) });
  if (!decision.canQuery.allowed) {
    return err(refused(decision.canQuery.reason, 'Ask an Admin for Can query on this connection'));
  }
  return ok({ connection, actor, decision, manages });
}
