import type { Db } from '@quarry/db';
import { type AuditEvent, writeAuditEvent } from '@quarry/db/audit';
import type { RequestInfo } from './context';
import type { Deps } from './deps';
import type { Actor } from './trpc';

/** What a service needs from its procedure: the world, who, and how. */
export type ServiceContext = { deps: Deps; actor: Actor; request: RequestInfo };

/** A transaction on the main database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** What the caller's change is recorded as: done by them, in their workspace, from their request. */
export type ChangeEvent = {
  action: string;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
};

/** The audit entry of a change made by the caller, on their workspace's chain. */
export function changeAuditEvent(ctx: ServiceContext, event: ChangeEvent): AuditEvent {
  return {
    workspaceId: ctx.actor.workspaceId,
    actorId: ctx.actor.userId,
    action: event.action,
    target: event.target,
    outcome: 'success',
    ip: ctx.request.ip,
    requestId: ctx.request.requestId,
    details: event.details,
  };
}

/** Writes the audit entry of a change made by the caller, inside the change's transaction. */
export async function auditChange(
  tx: Tx,
  ctx: ServiceContext,
  event: ChangeEvent,
  now: Date = ctx.deps.now(),
): Promise<void> {
  await writeAuditEvent(tx, changeAuditEvent(ctx, event), now);
}
