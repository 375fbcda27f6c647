import { SecretSummary } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { listSecrets } from './services/list-secrets';

/** Every member may ask; the service answers with the secrets shared with them (all, for Admins). */
export const list = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .output(z.array(SecretSummary))
  .query(({ ctx }) => listSecrets(ctx).then(unwrapOrThrow));
