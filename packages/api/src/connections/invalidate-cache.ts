import { InvalidateCacheInput, InvalidatedCache } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { invalidateCache as invalidate } from './services/invalidate-cache';

/** Admins delete cached results: one connection's, or the workspace's. */
export const invalidateCache = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(InvalidateCacheInput)
  .output(InvalidatedCache)
  .mutation(({ ctx, input }) => invalidate(ctx, input).then(unwrapOrThrow));
