import { WorkspaceAccess } from '@quarry/contracts';
import { workspaceProcedure } from '../trpc';
import { workspaceAccess } from './services/workspace-access';

export const capabilities = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .output(WorkspaceAccess)
  .query(({ ctx }) => workspaceAccess(ctx));
