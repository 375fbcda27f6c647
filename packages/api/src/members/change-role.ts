import { ChangeRoleInput, MemberSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { changeMemberRole } from './services/change-member-role';

export const changeRole = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(ChangeRoleInput)
  .output(MemberSummary)
  .mutation(({ ctx, input }) => changeMemberRole(ctx, input).then(unwrapOrThrow));
