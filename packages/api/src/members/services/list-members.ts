import type { MemberSummary } from '@quarry/contracts';
import type { ServiceContext } from '../../service-context';
import { loadMemberSummaries } from './member-summaries';

/** Every member of the caller's workspace, deactivated ones included, with email, role and groups. */
export function listMembers(ctx: ServiceContext): Promise<MemberSummary[]> {
  return loadMemberSummaries(ctx.deps.db, { workspaceId: ctx.actor.workspaceId });
}
