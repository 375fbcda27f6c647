import { AuditPage, ListAuditInput } from '@quarry/contracts';
import { workspaceProcedure } from '../trpc';
import { listAuditPage } from './services/audit-page';

export const list = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(ListAuditInput)
  .output(AuditPage)
  .query(({ ctx, input }) => listAuditPage(ctx, input));
