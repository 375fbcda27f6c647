import type { AuditPage, ListAuditInput } from '@quarry/contracts';
import { auditEvents, users } from '@quarry/db/schema';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';

export function pageQuery(
  workspaceId: string,
  input: { before?: number | undefined; action?: string | undefined; actorId?: string | undefined },
) {
  const where: SQL[] = [eq(auditEvents.chain, workspaceId)];
  if (input.before) where.push(lt(auditEvents.seq, input.before));
  if (input.action) where.push(eq(auditEvents.action, input.action));
  if (input.actorId) where.push(eq(auditEvents.actorId, input.actorId));
  return and(...where);
}

/** One page of the workspace's audit log, newest first, with the next page's cursor. */
export async function listAuditPage(ctx: ServiceContext, input: ListAuditInput): Promise<AuditPage> {
  const rows = await ctx.deps.db
    .select({ event: auditEvents, actorEmail: users.email })
    .from(auditEvents)
    .leftJoin(users, eq(users.id, auditEvents.actorId))
    .where(pageQuery(ctx.actor.workspaceId, input))
    .orderBy(desc(auditEvents.seq))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return {
    entries: page.map(({ event, actorEmail }) => ({
      seq: event.seq,
      at: event.at,
      actorId: event.actorId,
      actorEmail,
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId,
      outcome: event.outcome,
      ip: event.ip,
      details: event.details,
      hash: event.hash,
    })),
    nextBefore: rows.length > input.limit ? (page.at(-1)?.event.seq ?? null) : null,
  };
}
