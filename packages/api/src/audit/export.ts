import { ListAuditInput } from '@quarry/contracts';
import { workspaceProcedure } from '../trpc';
import { exportAudit } from './services/export-audit';

/** JSON lines, streamed page by page. */
export const exportLog = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(ListAuditInput.omit({ limit: true, before: true }))
  .query(({ ctx, input }) => exportAudit(ctx, input));
