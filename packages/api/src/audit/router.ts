import { AuditPage, AuditVerification, ListAuditInput } from '@quarry/contracts';
import { verifyAuditChain } from '@quarry/db/audit';
import { auditEvents, users } from '@quarry/db/schema';
import type { TRPCRouterRecord } from '@trpc/server';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { workspaceProcedure } from '../trpc';

const EXPORT_PAGE = 1000;

function pageQuery(
  workspaceId: string,
  input: { before?: number | undefined; action?: string | undefined; actorId?: string | undefined },
) {
  const where: SQL[] = [eq(auditEvents.chain, workspaceId)];
  if (input.before) where.push(lt(auditEvents.seq, input.before));
  if (input.action) where.push(eq(auditEvents.action, input.action));
  if (input.actorId) where.push(eq(auditEvents.actorId, input.actorId));
  return and(...where);
}

/** The workspace's audit log for Admins: newest first, filtered, exported, and verified. */
export const auditRouter = {
  list: workspaceProcedure
    .meta({ permission: 'workspace:admin' })
    .input(ListAuditInput)
    .output(AuditPage)
    .query(async ({ ctx, input }) => {
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
    }),

  /** JSON lines, streamed page by page so a long log never sits whole in memory. */
  export: workspaceProcedure
    .meta({ permission: 'workspace:admin' })
    .input(ListAuditInput.omit({ limit: true, before: true }))
    .query(async function* ({ ctx, input }) {
      let before: number | undefined;
      for (;;) {
        const rows = await ctx.deps.db
          .select()
          .from(auditEvents)
          .where(pageQuery(ctx.actor.workspaceId, { ...input, before }))
          .orderBy(desc(auditEvents.seq))
          .limit(EXPORT_PAGE);
        if (!rows.length) return;
        yield `${rows.map(({ id: _id, ...event }) => JSON.stringify(event)).join('\n')}\n`;
        before = rows.at(-1)?.seq;
        if (rows.length < EXPORT_PAGE) return;
      }
    }),

  verify: workspaceProcedure
    .meta({ permission: 'workspace:admin' })
    .output(AuditVerification)
    .query(async ({ ctx }) => {
      const result = await verifyAuditChain(ctx.deps.db, ctx.actor.workspaceId);
      return { entries: result.entries, intact: result.break === null, firstBreak: result.break };
    }),
} satisfies TRPCRouterRecord;
