import { ConnectionRef, IdentitySetup } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { identitySetup as identitySetupOf } from './services/identity-setup';

/** What to run at the warehouse for identity passthrough; whoever manages the connection may read it. */
export const identitySetup = workspaceProcedure
  .meta({ permission: 'connection:manage' })
  .input(ConnectionRef)
  .output(IdentitySetup)
  .query(({ ctx, input }) => identitySetupOf(ctx, input).then(unwrapOrThrow));
