import { ImportConnectionInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { importConnection } from './services/import-connection';

export const importIntoProject = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(ImportConnectionInput)
  .output(z.object({ connectionId: z.string(), projectId: z.string() }))
  .mutation(({ ctx, input }) => importConnection(ctx, input).then(unwrapOrThrow));
