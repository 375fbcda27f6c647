import { ImportConnectionInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { removeConnection } from './services/import-connection';

export const removeFromProject = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(ImportConnectionInput)
  .output(z.object({ connectionId: z.string(), projectId: z.string() }))
  .mutation(({ ctx, input }) => removeConnection(ctx, input).then(unwrapOrThrow));
