import { AcceptInviteInput, InvitePreview } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { publicProcedure } from '../trpc';
import { previewInvite } from './services/preview-invite';

/**
 * For the invite page, before sign-up: a token that does not open a pending invite is
 * `invites.invalid`. A mutation although it changes nothing (AUTH-8): a query would put the token in
 * a GET query string, which proxies and access logs record; a POST carries it in the body.
 */
export const preview = publicProcedure
  .meta({ permission: 'public' })
  .input(AcceptInviteInput.pick({ token: true }))
  .output(InvitePreview)
  .mutation(({ ctx, input }) => previewInvite(ctx.deps, input).then(unwrapOrThrow));
