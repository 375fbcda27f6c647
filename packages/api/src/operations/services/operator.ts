import { writeAuditEvent } from '@quarry/db/audit';
import type { RequestInfo } from '../../context';
import type { Tx } from '../../service-context';
import type { Actor } from '../../trpc';

/**
 * Who takes an operations action: an Admin of one workspace (the Admin page), or the operator at
 * `pnpm quarry runner …`, who holds the database itself and acts on every workspace.
 */
export type Operator = { kind: 'admin'; actor: Actor; request: RequestInfo } | { kind: 'cli' };

/** The workspace an operator may touch: the Admin's own, or any for the CLI. */
export const operatorWorkspace = (operator: Operator): string | null =>
  operator.kind === 'admin' ? operator.actor.workspaceId : null;

/**
 * The audit entry of an operations action, in the change's transaction, marked as an operator
 * action (`details.operator`: `admin` or `cli`). The CLI has no member behind it: no actor id.
 */
export async function auditOperatorAction(
  tx: Tx,
  operator: Operator,
  event: {
    workspaceId: string | null;
    action: string;
    target: { type: string; id: string };
    details?: Record<string, unknown>;
  },
  now: Date,
): Promise<void> {
  await writeAuditEvent(
    tx,
    {
      workspaceId: event.workspaceId,
      actorId: operator.kind === 'admin' ? operator.actor.userId : null,
      action: event.action,
      target: event.target,
      outcome: 'success',
      ip: operator.kind === 'admin' ? operator.request.ip : null,
      requestId: operator.kind === 'admin' ? operator.request.requestId : null,
      details: { ...event.details, operator: operator.kind },
    },
    now,
  );
}
