import { SsoProviderSummary } from '@quarry/contracts';
import { z } from 'zod';
import { workspaceProcedure } from '../trpc';
import { listProviders as listWorkspaceProviders } from './services/providers';

export const listProviders = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .output(z.array(SsoProviderSummary))
  .query(({ ctx }) => listWorkspaceProviders(ctx));
