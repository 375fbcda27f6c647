import { CreateGroupInput, GroupInput, GroupSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { renameCustomGroup } from './services/rename-group';

export const rename = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(GroupInput.extend(CreateGroupInput.shape))
  .output(GroupSummary)
  .mutation(({ ctx, input }) => renameCustomGroup(ctx, input).then(unwrapOrThrow));
