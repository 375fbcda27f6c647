import { TestConnectionResult, TestNewProjectConnectionInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { testNewProjectConnection } from './services/test-connection';

export const testNewForProject = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(TestNewProjectConnectionInput)
  .output(TestConnectionResult)
  .mutation(({ ctx, input }) => testNewProjectConnection(ctx, ctx.project, input).then(unwrapOrThrow));
