import { GroupMemberInput, GroupSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { removeGroupMember } from './services/group-membership';

export const removeMember = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(GroupMemberInput)
  .output(GroupSummary)
  .mutation(({ ctx, input }) => removeGroupMember(ctx, input).then(unwrapOrThrow));
