import type { Context } from '../context';
import { QuarryTRPCError } from '../errors';
import type { Actor } from '../trpc';
import type { OperationsDeps } from './services/operations-status';
import type { Operator } from './services/operator';

/** The operations services' deps from a procedure's context; without pg-boss's admin API, a typed refusal. */
export function operationsDeps(ctx: Pick<Context, 'deps'>): OperationsDeps {
  const queue = ctx.deps.queueAdmin;
  if (!queue) {
    throw new QuarryTRPCError({
      code: 'queue.unavailable',
      message: 'The queue cannot be read from this API process',
      hint: 'Use `pnpm quarry runner status` on the server, or restart the API',
    });
  }
  return { db: ctx.deps.db, queue, now: ctx.deps.now };
}

/** The Admin behind an operations procedure. */
export const adminOperator = (ctx: Pick<Context, 'request'> & { actor: Actor }): Operator => ({
  kind: 'admin',
  actor: ctx.actor,
  request: ctx.request,
});
