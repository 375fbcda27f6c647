import { AuditVerification } from '@quarry/contracts';
import { verifyAuditChain } from '@quarry/db/audit';
import { workspaceProcedure } from '../trpc';

export const verify = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .output(AuditVerification)
  .query(async ({ ctx }) => {
    const result = await verifyAuditChain(ctx.deps.db, ctx.actor.workspaceId);
    return { entries: result.entries, intact: result.break === null, firstBreak: result.break };
  });
