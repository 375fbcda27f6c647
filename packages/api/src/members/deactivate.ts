import { MemberInput, MemberSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { deactivateMember } from './services/deactivate-member';

export const deactivate = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(MemberInput)
  .output(MemberSummary)
  .mutation(({ ctx, input }) => deactivateMember(ctx, input).then(unwrapOrThrow));
