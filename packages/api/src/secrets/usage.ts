import { AssetUsage, SecretRef } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { secretUsage } from './services/secret-usage';

/** The projects importing a secret, shown before deleting it. */
export const usage = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(SecretRef)
  .output(AssetUsage)
  .query(({ ctx, input }) => secretUsage(ctx, input).then(unwrapOrThrow));
