import { PermissionChangePreview, UpdateConnectionPermissionsInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { previewConnectionPermissions } from './services/preview-permissions';

export const previewPermissions = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(UpdateConnectionPermissionsInput)
  .output(PermissionChangePreview)
  .query(({ ctx, input }) => previewConnectionPermissions(ctx, input).then(unwrapOrThrow));
