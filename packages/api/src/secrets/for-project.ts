import { ProjectSecret, ProjectSecretsInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { listProjectSecrets } from './services/project-secrets';

/** Editors see which secrets their project imports (the names their code reads), never the values. */
export const forProject = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(ProjectSecretsInput)
  .output(z.array(ProjectSecret))
  .query(({ ctx }) => listProjectSecrets(ctx, ctx.project).then(unwrapOrThrow));
