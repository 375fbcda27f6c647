import type { GroupSummary } from '@quarry/contracts';
import type { ServiceContext } from '../../service-context';
import { loadGroupSummaries } from './group-summaries';

/** The workspace's custom groups, for the share dialog and the groups settings page. */
export function listGroups(ctx: ServiceContext): Promise<GroupSummary[]> {
  return loadGroupSummaries(ctx.deps.db, { workspaceId: ctx.actor.workspaceId });
}
