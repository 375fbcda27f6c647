import { ProjectSummary } from '@quarry/contracts';
import { z } from 'zod';
import { workspaceProcedure } from '../trpc';
import { listProjects } from './services/list-projects';

export const list = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .output(z.array(ProjectSummary))
  .query(({ ctx }) => listProjects(ctx));
