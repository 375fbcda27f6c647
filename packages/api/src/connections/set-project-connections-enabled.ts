import { ProjectConnectionsSetting } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { setProjectConnectionsEnabled as saveSetting } from './services/project-connections-setting';

export const setProjectConnectionsEnabled = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .input(ProjectConnectionsSetting)
  .output(ProjectConnectionsSetting)
  .mutation(({ ctx, input }) => saveSetting(ctx, input).then(unwrapOrThrow));
