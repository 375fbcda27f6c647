import { type ProjectDecision, projectCapabilities } from '@quarry/access';
import type { ProjectCapabilities, ProjectPermission } from '@quarry/contracts';
import type { LoadedProjectFacts } from '@quarry/db/access-facts';

/** The caller's access as the API hands it out: the permission, the engine's reasons, the flags. */
export type ProjectAccessData = {
  permission: ProjectPermission;
  reasons: ProjectDecision['reasons'];
  can: ProjectCapabilities;
};

/**
 * A decision as data for clients, or null when it leaves nothing (the project is closed to the
 * caller). The capabilities come from the engine's rules, so the SPA compares nothing itself.
 */
export function projectAccessData(
  decision: ProjectDecision,
  facts: LoadedProjectFacts,
): ProjectAccessData | null {
  if (decision.effective === 'none') return null;
  return {
    permission: decision.effective,
    reasons: decision.reasons,
    can: projectCapabilities({
      effective: decision.effective,
      editorsCanShare: facts.editorsCanShare,
      role: facts.actor.kind === 'member' ? facts.actor.role : null,
    }),
  };
}
