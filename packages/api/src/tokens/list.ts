import { ApiTokenSummary } from '@quarry/contracts';
import { z } from 'zod';
import { authedProcedure } from '../trpc';
import { listTokens } from './services/list-tokens';

export const list = authedProcedure
  .meta({ permission: 'session:self' })
  .output(z.array(ApiTokenSummary))
  .query(({ ctx }) => listTokens(ctx));
