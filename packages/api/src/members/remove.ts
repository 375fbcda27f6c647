import { MemberInput } from '@quarry/contracts';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { removeMember } from './services/remove-member';

export const remove = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(MemberInput)
  .output(z.object({ removed: z.literal(true) }))
  .mutation(({ ctx, input }) => removeMember(ctx, input).then(unwrapOrThrow));
