import { SsoSettings } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { updateSettings as updateWorkspaceSettings } from './services/settings';

export const updateSettings = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(SsoSettings)
  .output(SsoSettings)
  .mutation(({ ctx, input }) => updateWorkspaceSettings(ctx, input).then(unwrapOrThrow));
