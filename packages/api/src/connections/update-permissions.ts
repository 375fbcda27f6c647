import { ConnectionPermissions, UpdateConnectionPermissionsInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { updateConnectionPermissions } from './services/update-connection-permissions';

export const updatePermissions = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(UpdateConnectionPermissionsInput)
  .output(ConnectionPermissions)
  .mutation(({ ctx, input }) => updateConnectionPermissions(ctx, input).then(unwrapOrThrow));
