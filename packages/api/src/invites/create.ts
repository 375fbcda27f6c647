import { CreatedInvite, CreateInviteInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { createInvite } from './services/create-invite';

/** Returns the link with its single-use secret once; it is never shown again. */
export const create = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(CreateInviteInput)
  .output(CreatedInvite)
  .mutation(({ ctx, input }) => createInvite(ctx, input).then(unwrapOrThrow));
