import { ShareWithWebInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { shareWithWeb as changeWebSharing } from './services/change-grant';

/** Anonymous visitors are members of Public only: sharing with the web grants Public Can view. */
export const shareWithWeb = projectProcedure
  .meta({ permission: 'project:full' })
  .input(ShareWithWebInput)
  .output(z.object({ granted: z.string() }))
  .mutation(({ ctx, input }) => changeWebSharing(ctx, ctx.project, input.enabled).then(unwrapOrThrow));
