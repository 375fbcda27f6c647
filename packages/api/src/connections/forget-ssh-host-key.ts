import { ConnectionRef } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { forgetSshHostKey as forget } from './services/forget-ssh-host-key';

/** Re-pinning after a legitimate SSH server key change: forget the pin, then test the connection. */
export const forgetSshHostKey = workspaceProcedure
  .meta({ permission: 'connection:manage' })
  .input(ConnectionRef)
  .output(z.object({ forgotten: z.string().nullable() }))
  .mutation(({ ctx, input }) => forget(ctx, input).then(unwrapOrThrow));
