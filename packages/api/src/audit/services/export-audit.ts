import { auditEvents } from '@quarry/db/schema';
import { desc } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';
import { pageQuery } from './audit-page';

const EXPORT_PAGE = 1000;

/** The log as JSON lines, page by page, so a long log never sits whole in memory. */
export async function* exportAudit(
  ctx: ServiceContext,
  input: { action?: string | undefined; actorId?: string | undefined },
): AsyncGenerator<string> {
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
}
