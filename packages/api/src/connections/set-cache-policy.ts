import { ConnectionCachePolicy, SetConnectionCachePolicyInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { setCachePolicy as setPolicy } from './services/set-cache-policy';

/** The result cache's policy: off, or a TTL. Whoever manages the connection sets it. */
export const setCachePolicy = workspaceProcedure
  .meta({ permission: 'connection:manage' })
  .input(SetConnectionCachePolicyInput)
  .output(ConnectionCachePolicy)
  .mutation(({ ctx, input }) => setPolicy(ctx, input).then(unwrapOrThrow));
