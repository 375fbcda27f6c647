import { EditorsCanShareInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { setEditorsCanShare as saveEditorsCanShare } from './services/set-editors-can-share';

export const setEditorsCanShare = projectProcedure
  .meta({ permission: 'project:full' })
  .input(EditorsCanShareInput)
  .output(z.object({ editorsCanShare: z.boolean() }))
  .mutation(({ ctx, input }) => saveEditorsCanShare(ctx, ctx.project, input.enabled).then(unwrapOrThrow));
