import { SessionSummary } from '@quarry/contracts';
import { z } from 'zod';
import { authedProcedure } from '../trpc';
import { listSessions } from './services/list-sessions';

export const list = authedProcedure
  .meta({ permission: 'session:browser' })
  .output(z.array(SessionSummary))
  .query(({ ctx }) => listSessions(ctx));
