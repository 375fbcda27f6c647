import type { GroupId } from './actor';
import type { ConnectionFacts } from './connection-permissions';
import type { ProjectDecision, ProjectFacts } from './effective-permission';
import { decideProjectPermission } from './effective-permission';

/**
 * One person's permission on one project importing a connection, now and with the connection's
 * permission facts replaced by proposed ones (the settings page shows who a change would
 * downgrade before it is saved). Everything else about the project stays as it is.
 */
export const decideConnectionPermissionChange = ({
  facts,
  proposed,
}: {
  facts: ProjectFacts;
  proposed: { connection: ConnectionFacts; groupsWithAccess: GroupId[] };
}): { before: ProjectDecision; after: ProjectDecision } => {
  const { id } = proposed.connection;
  const changed: ProjectFacts = {
    ...facts,
    connections: facts.connections.map((c) => (c.id === id ? { ...proposed.connection, scope: c.scope } : c)),
    assets: facts.assets.map((a) =>
      a.kind === 'connection' && a.id === id ? { ...a, groupsWithAccess: proposed.groupsWithAccess } : a,
    ),
  };
  return { before: decideProjectPermission(facts), after: decideProjectPermission(changed) };
};
