import { MemberInput, MemberSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { reactivateMember } from './services/reactivate-member';

export const reactivate = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(MemberInput)
  .output(MemberSummary)
  .mutation(({ ctx, input }) => reactivateMember(ctx, input).then(unwrapOrThrow));
