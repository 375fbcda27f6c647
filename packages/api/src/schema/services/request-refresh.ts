import { err, ok, type Result, type SchemaRefresh, type SchemaRefreshTrigger } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { writeAuditEvent } from '@quarry/db/audit';
import { schemaRefreshes, schemaRefreshIsActive } from '@quarry/db/schema';
import { and, eq, lt } from 'drizzle-orm';
import type { RequestInfo } from '../../context';
import type { Deps } from '../../deps';
import { requesterNames, toRefresh } from './refresh-record';

/**
 * A refresh queued or running that has not moved for this long lost its runner: every progress
 * write moves it, one catalog statement is bounded at a minute, and the job expires after 30.
 */
export const STALE_REFRESH_MS = 35 * 60_000;

/**
 * Starts a refresh of a connection, or joins the one already queued or running (one at a time per
 * connection; the database's unique index decides a race). The job carries ids only (JOB-4).
 */
export async function requestRefresh(
  deps: Pick<Deps, 'db' | 'queue' | 'now'>,
  input: {
    workspaceId: string;
    connectionId: string;
    trigger: SchemaRefreshTrigger;
    requestedBy: string;
    request?: RequestInfo;
  },
  options: { showCause: boolean },
): Promise<Result<{ refresh: SchemaRefresh; joined: boolean }>> {
  const now = deps.now();
  const id = newId('schema_refresh');
  const outcome = await deps.db.transaction(async (tx) => {
    await tx
      .update(schemaRefreshes)
      .set({
        status: 'failed',
        errorCode: 'schema.refresh_interrupted',
        errorMessage: 'The refresh stopped answering before it finished',
        finishedAt: now,
        updatedAt: now,
      })
      .where(
        and(
          eq(schemaRefreshes.connectionId, input.connectionId),
          eq(schemaRefreshes.workspaceId, input.workspaceId),
          schemaRefreshIsActive,
          lt(schemaRefreshes.updatedAt, new Date(now.getTime() - STALE_REFRESH_MS)),
        ),
      );
    const [created] = await tx
      .insert(schemaRefreshes)
      .values({
        id,
        workspaceId: input.workspaceId,
        connectionId: input.connectionId,
        trigger: input.trigger,
        requestedBy: input.requestedBy,
      })
      .onConflictDoNothing()
      .returning();
    if (created) {
      await writeAuditEvent(
        tx,
        {
          workspaceId: input.workspaceId,
          actorId: input.requestedBy,
          action: 'schema.refresh_request',
          target: { type: 'connection', id: input.connectionId },
          outcome: 'success',
          ...(input.request ? { ip: input.request.ip, requestId: input.request.requestId } : {}),
          details: { refreshId: id, trigger: input.trigger },
        },
        now,
      );
      return { row: created, joined: false };
    }
    const [active] = await tx
      .select()
      .from(schemaRefreshes)
      .where(
        and(
          eq(schemaRefreshes.connectionId, input.connectionId),
          eq(schemaRefreshes.workspaceId, input.workspaceId),
          schemaRefreshIsActive,
        ),
      );
    return active ? { row: active, joined: true } : null;
  });
  if (!outcome) {
    // The active refresh finished between the insert and the read: the caller may press again.
    return err({ code: 'queue.unavailable', message: 'The refresh could not be started; try again' });
  }
  if (!outcome.joined) {
    try {
      await deps.queue.send('schema.refresh', {
        workspaceId: input.workspaceId,
        connectionId: input.connectionId,
        refreshId: id,
      });
    } catch {
      // JOB-5: a refresh that was never queued must not hold the connection's one active slot.
      await deps.db
        .update(schemaRefreshes)
        .set({
          status: 'failed',
          errorCode: 'queue.unavailable',
          errorMessage: 'The refresh could not be queued',
          finishedAt: now,
        })
        .where(and(eq(schemaRefreshes.id, id), eq(schemaRefreshes.status, 'queued')));
      return err({
        code: 'queue.unavailable',
        message: 'The refresh could not be queued',
        hint: 'Try again in a moment',
      });
    }
  }
  const names = await requesterNames(deps.db, [outcome.row]);
  return ok({ refresh: toRefresh(outcome.row, names, options), joined: outcome.joined });
}
