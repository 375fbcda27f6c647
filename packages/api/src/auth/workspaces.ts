import { WorkspaceChoice } from '@quarry/contracts';
import { z } from 'zod';
import { authedProcedure } from '../trpc';
import { workspaceChoices } from './services/workspace-choices';

export const workspaces = authedProcedure
  .meta({ permission: 'session:browser' })
  .output(z.array(WorkspaceChoice))
  .query(({ ctx }) => workspaceChoices(ctx));
