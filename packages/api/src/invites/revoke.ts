import { InviteInput, InviteSummary } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { revokeInvite } from './services/revoke-invite';

export const revoke = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(InviteInput)
  .output(InviteSummary)
  .mutation(({ ctx, input }) => revokeInvite(ctx, input).then(unwrapOrThrow));
