import { GroupOption, GroupSummary } from '@quarry/contracts';
import { z } from 'zod';
import { workspaceProcedure } from '../trpc';
import { listGroupOptions } from './services/list-group-options';
import { listGroups } from './services/list-groups';

/** Admins see every custom group with its members (emails included). */
export const list = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .output(z.array(GroupSummary))
  .query(({ ctx }) => listGroups(ctx));

/** Every member may see the groups' names, to share with them: no members, no emails. */
export const options = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .output(z.array(GroupOption))
  .query(({ ctx }) => listGroupOptions(ctx));
