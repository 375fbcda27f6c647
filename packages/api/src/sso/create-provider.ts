import { CreateSsoProviderInput, SsoProviderSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { createProvider as createWorkspaceProvider } from './services/providers';

export const createProvider = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(CreateSsoProviderInput)
  .output(SsoProviderSummary)
  .mutation(({ ctx, input }) => createWorkspaceProvider(ctx, input).then(unwrapOrThrow));
