import { CreateGroupInput, GroupSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { createCustomGroup } from './services/create-group';

export const create = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(CreateGroupInput)
  .output(GroupSummary)
  .mutation(({ ctx, input }) => createCustomGroup(ctx, input).then(unwrapOrThrow));
