import { RunInput, RunStatus } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { adminOperator } from './operations-deps';
import { cancelRunAsOperator } from './services/cancel-run-as-operator';

const OperatorCancel = z.object({
  runId: z.string(),
  status: RunStatus,
  cancelled: z.boolean(),
});

/** An Admin stops any run of their workspace, on the database server too; audited as an operator action. */
export const cancelRun = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(RunInput)
  .output(OperatorCancel)
  .mutation(async ({ ctx, input }) => {
    const { runId, status, cancelled } = unwrapOrThrow(
      await cancelRunAsOperator(ctx.deps, adminOperator(ctx), input),
    );
    return { runId, status, cancelled };
  });
