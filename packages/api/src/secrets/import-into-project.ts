import { ImportSecretInput, ProjectSecret } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { importSecret } from './services/import-secret';

export const importIntoProject = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(ImportSecretInput)
  .output(ProjectSecret)
  .mutation(({ ctx, input }) => importSecret(ctx, ctx.project, input).then(unwrapOrThrow));
