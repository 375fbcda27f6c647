import { ProjectConnectionsSetting } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { workspaceProcedure } from '../trpc';
import { projectConnectionsSetting as readSetting } from './services/project-connections-setting';

export const projectConnectionsSetting = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .output(ProjectConnectionsSetting)
  .query(({ ctx }) => readSetting(ctx).then(unwrapOrThrow));
