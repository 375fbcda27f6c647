import { GetProjectInput, ProjectDetail } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { getProject } from './services/get-project';

export const get = projectProcedure
  .meta({ permission: 'project:view' })
  .input(GetProjectInput)
  .output(ProjectDetail)
  .query(({ ctx }) => getProject(ctx, ctx.project).then(unwrapOrThrow));
