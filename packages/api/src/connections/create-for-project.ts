import { ConnectionSummary, CreateProjectConnectionInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { projectProcedure } from '../trpc';
import { createProjectConnection } from './services/create-connection';

/** Can edit on the project; the service asks the engine whether the role may create one. */
export const createForProject = projectProcedure
  .meta({ permission: 'project:edit' })
  .input(CreateProjectConnectionInput)
  .output(ConnectionSummary)
  .mutation(({ ctx, input }) => createProjectConnection(ctx, ctx.project, input).then(unwrapOrThrow));
