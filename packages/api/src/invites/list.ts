import { InviteSummary } from '@quarry/contracts';
import { z } from 'zod';
import { workspaceProcedure } from '../trpc';
import { listInvites } from './services/list-invites';

export const list = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .output(z.array(InviteSummary))
  .query(({ ctx }) => listInvites(ctx));
