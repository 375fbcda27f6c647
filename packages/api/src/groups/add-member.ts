import { GroupMemberInput, GroupSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { addGroupMember } from './services/group-membership';

export const addMember = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(GroupMemberInput)
  .output(GroupSummary)
  .mutation(({ ctx, input }) => addGroupMember(ctx, input).then(unwrapOrThrow));
