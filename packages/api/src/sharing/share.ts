import { ShareProjectInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { shareProject } from './services/change-grant';

export const share = projectProcedure
  .meta({ permission: 'project:share' })
  .input(ShareProjectInput)
  .output(z.object({ granted: z.string() }))
  .mutation(({ ctx, input }) => shareProject(ctx, ctx.project, input).then(unwrapOrThrow));
