import { AcceptInviteInput, InvitePreview } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { publicProcedure } from '../trpc';
import { previewInvite } from './services/preview-invite';

/** For the invite page, before sign-up: a token that does not open a pending invite is `invites.invalid`. */
export const preview = publicProcedure
  .meta({ permission: 'public' })
  .input(AcceptInviteInput.pick({ token: true }))
  .output(InvitePreview)
  .query(({ ctx, input }) => previewInvite(ctx.deps, input).then(unwrapOrThrow));
