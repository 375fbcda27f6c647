import { SsoSettings } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { getSettings as getWorkspaceSettings } from './services/settings';

export const getSettings = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .output(SsoSettings)
  .query(({ ctx }) => getWorkspaceSettings(ctx).then(unwrapOrThrow));
