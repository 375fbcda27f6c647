import { DuplicateProjectInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { duplicateProject } from './services/duplicate-project';

export const duplicate = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(DuplicateProjectInput)
  .output(z.object({ projectId: z.string(), droppedConnections: z.number() }))
  .mutation(({ ctx, input }) => duplicateProject(ctx, ctx.project, input).then(unwrapOrThrow));
