import { GroupOption, GroupSummary } from '@quarry/contracts';
import { groups } from '@quarry/db/schema';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { workspaceProcedure } from '../trpc';
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
  .query(({ ctx }) =>
    ctx.deps.db
      .select({ id: groups.id, name: groups.name })
      .from(groups)
      .where(eq(groups.workspaceId, ctx.actor.workspaceId))
      .orderBy(asc(groups.name)),
  );
