import { ImportSecretInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { removeProjectSecret } from './services/remove-project-secret';

export const removeFromProject = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(ImportSecretInput)
  .output(z.object({ removed: z.literal(true) }))
  .mutation(({ ctx, input }) => removeProjectSecret(ctx, ctx.project, input).then(unwrapOrThrow));
