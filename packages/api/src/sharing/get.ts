import { GetSharingInput, ProjectSharing } from '@quarry/contracts';
import { projectProcedure } from '../trpc';
import { getSharing } from './services/get-sharing';

/**
 * Who has access lists every member's email: Can explore and up see it, not the app-only
 * audience (Viewers, Guests at Can view, the web).
 */
export const get = projectProcedure
  .meta({ permission: 'project:explore' })
  .input(GetSharingInput)
  .output(ProjectSharing)
  .query(({ ctx }) => getSharing(ctx, ctx.project));
