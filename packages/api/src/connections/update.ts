import { ConnectionSummary, UpdateConnectionInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { updateConnection } from './services/update-connection';

export const update = workspaceProcedure
  .meta({ permission: 'connection:manage' })
  .input(UpdateConnectionInput)
  .output(ConnectionSummary)
  .mutation(({ ctx, input }) => updateConnection(ctx, input).then(unwrapOrThrow));
