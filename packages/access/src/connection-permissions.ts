import type { Actor, GroupId } from './actor';
import { isAdmin } from './actor';
import { describeGroup, firstSharedGroup } from './group-membership';
import type { Reason } from './reasons';

/**
 * A workspace connection's own permissions, as imported into a project.
 * - `canQuery`: who may author queries; `workspace_default` means the `workspace` group.
 * - `canViewResults`: who may see results of projects importing it; `everyone` includes anonymous
 *   visitors of an app shared with the web.
 * - `canRefreshSchema`: everyone with Can query, or Admins only.
 */
export type ConnectionFacts = {
  id: string;
  name: string;
  canQuery: GroupId[] | 'workspace_default';
  canViewResults: GroupId[] | 'everyone';
  canRefreshSchema: 'can_query' | 'admins_only';
  /** A workspace connection (the default), or a project connection usable in its project only. */
  scope?: 'workspace' | 'project';
};

/** One connection permission, held or not, and why. */
export type ConnectionCheck = { allowed: boolean; reason: Reason };

export type ConnectionDecision = {
  canQuery: ConnectionCheck;
  canViewResults: ConnectionCheck;
  canRefreshSchema: ConnectionCheck;
};

const queryGroups = (connection: ConnectionFacts): GroupId[] =>
  connection.canQuery === 'workspace_default' ? ['workspace'] : connection.canQuery;

const named = (connection: ConnectionFacts): string => `connection '${connection.name}'`;

/** Can query: Admins always; otherwise a group in `canQuery` (default: Workspace). */
export const decideCanQuery = (actor: Actor, connection: ConnectionFacts): ConnectionCheck => {
  if (isAdmin(actor)) {
    return {
      allowed: true,
      reason: {
        code: 'access.admin_always',
        message: `Admins always have Can query on ${named(connection)}`,
      },
    };
  }
  const group = firstSharedGroup(actor, queryGroups(connection));
  if (group !== undefined) {
    return {
      allowed: true,
      reason: {
        code: 'access.granted_to_group',
        message: `Can query on ${named(connection)} through the group '${describeGroup(group)}'`,
      },
    };
  }
  return {
    allowed: false,
    reason: { code: 'access.no_can_query', message: `No Can query on ${named(connection)}` },
  };
};

/**
 * Can view results: Admins always; everyone by default (anonymous visitors included); otherwise a
 * group in `canViewResults`, or Can query on the connection, which always brings Can view results.
 */
export const decideCanViewResults = (actor: Actor, connection: ConnectionFacts): ConnectionCheck => {
  if (isAdmin(actor)) {
    return {
      allowed: true,
      reason: {
        code: 'access.admin_always',
        message: `Admins always have Can view results on ${named(connection)}`,
      },
    };
  }
  if (connection.canViewResults === 'everyone') {
    return {
      allowed: true,
      reason: {
        code: 'access.granted_to_group',
        message: `Everyone can view results of ${named(connection)}`,
      },
    };
  }
  const group = firstSharedGroup(actor, connection.canViewResults);
  if (group !== undefined) {
    return {
      allowed: true,
      reason: {
        code: 'access.granted_to_group',
        message: `Can view results on ${named(connection)} through the group '${describeGroup(group)}'`,
      },
    };
  }
  if (decideCanQuery(actor, connection).allowed) {
    return {
      allowed: true,
      reason: {
        code: 'access.implied_by_can_query',
        message: `Can view results on ${named(connection)} because you have Can query on it`,
      },
    };
  }
  return {
    allowed: false,
    reason: { code: 'access.no_can_view_results', message: `No Can view results on ${named(connection)}` },
  };
};

/** Can refresh schema: everyone with Can query (the default), or Admins only. */
export const decideCanRefreshSchema = (actor: Actor, connection: ConnectionFacts): ConnectionCheck => {
  if (isAdmin(actor)) {
    return {
      allowed: true,
      reason: {
        code: 'access.admin_always',
        message: `Admins can always refresh the schema of ${named(connection)}`,
      },
    };
  }
  if (connection.canRefreshSchema === 'admins_only') {
    return {
      allowed: false,
      reason: {
        code: 'access.refresh_admins_only',
        message: `Only Admins can refresh the schema of ${named(connection)}`,
      },
    };
  }
  const canQuery = decideCanQuery(actor, connection);
  if (canQuery.allowed) {
    return {
      allowed: true,
      reason: {
        code: 'access.implied_by_can_query',
        message: `Can refresh the schema of ${named(connection)} because you have Can query on it`,
      },
    };
  }
  return {
    allowed: false,
    reason: {
      code: 'access.no_can_query',
      message: `Cannot refresh the schema of ${named(connection)}: no Can query on it`,
    },
  };
};

/** The three connection permissions of one actor on one connection, each with its reason. */
export const decideConnectionPermissions = ({
  actor,
  connection,
}: {
  actor: Actor;
  connection: ConnectionFacts;
}): ConnectionDecision => ({
  canQuery: decideCanQuery(actor, connection),
  canViewResults: decideCanViewResults(actor, connection),
  canRefreshSchema: decideCanRefreshSchema(actor, connection),
});
