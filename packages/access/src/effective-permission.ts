import type { ProjectPermission } from '@quarry/contracts';
import type { Actor, GroupId } from './actor';
import { isAdmin } from './actor';
import type { WorkspaceAsset } from './asset-access';
import { assetsWithoutAccess, describeAsset } from './asset-access';
import type { ConnectionFacts } from './connection-permissions';
import { decideCanQuery, decideCanViewResults } from './connection-permissions';
import { grantRoutes } from './grant-routes';
import type { ProjectAccess } from './project-permission';
import { meetsProjectPermission, PROJECT_PERMISSION_LABELS, strongerOf } from './project-permission';
import type { Reason } from './reasons';
import { ROLE_PROJECT_CAP, WORKSPACE_ROLE_LABELS } from './workspace-role';

/** A project shared with one user, or with everyone in a group. */
export type ProjectGrant = {
  to: { kind: 'user'; userId: string } | { kind: 'group'; groupId: GroupId };
  permission: ProjectPermission;
};

/** Everything the engine needs to decide one actor's permission on one project. */
export type ProjectFacts = {
  actor: Actor;
  grants: ProjectGrant[];
  /** The creator of the project holds Full access. */
  isProjectOwner?: boolean;
  /** Workspace assets the project uses; its imported connections are listed here too. */
  assets: WorkspaceAsset[];
  /** Workspace connections imported into the project, with their own permissions. */
  connections: ConnectionFacts[];
  /**
   * The workspace switch with which Admins turn project data connections off (default on). When
   * off, the project connections a project imports stop working for everyone but Admins.
   */
  projectConnectionsEnabled?: boolean;
};

/** `granted` is what the grants give; `effective` is what is left after every rule, and `reasons` say why. */
export type ProjectDecision = { effective: ProjectAccess; granted: ProjectAccess; reasons: Reason[] };

/**
 * The strongest grant reaching the actor: a grant to them by user id, a grant to any group they are
 * in, or Full access when they created the project. An anonymous visitor is reached only through
 * the `public` group.
 */
export const grantedProjectPermission = (
  facts: Pick<ProjectFacts, 'actor' | 'grants' | 'isProjectOwner'>,
): ProjectAccess =>
  grantRoutes(facts).reduce<ProjectAccess>((granted, route) => strongerOf(granted, route.permission), 'none');

const label = (permission: ProjectPermission): string => PROJECT_PERMISSION_LABELS[permission];

/**
 * Decides one actor's effective permission on one project, in this order:
 * grant → role cap → workspace asset access → project connections switched off → Can query →
 * Can view results.
 * Every rule that lowered the permission adds a reason; all of them are returned.
 *
 * Admins (an explicit choice, tested): they inherit access to every workspace asset and always
 * have Can query and Can view results, so nothing downgrades them and a grant gives exactly what it
 * says (the seed: an Admin with Can edit has Can edit). A project that is not shared with an Admin
 * at all still opens with Full access, with a reason: Admins can manage every project (they can
 * grant themselves Full access anyway). `granted` stays `none` there, so the UI can tell.
 */
export const decideProjectPermission = (facts: ProjectFacts): ProjectDecision => {
  const { actor } = facts;
  const granted = grantedProjectPermission(facts);

  if (granted === 'none' && isAdmin(actor)) {
    return {
      effective: 'full_access',
      granted,
      reasons: [
        {
          code: 'access.admin_full_access',
          message:
            'Full access as an Admin: the project is not shared with you, but Admins can manage every project',
        },
      ],
    };
  }

  if (granted === 'none') {
    const message =
      actor.kind === 'anonymous'
        ? 'This project is not shared with the web'
        : 'This project is not shared with you';
    return { effective: 'none', granted, reasons: [{ code: 'access.no_grant', message }] };
  }

  const reasons: Reason[] = [];
  let effective: ProjectPermission = granted;

  // Role cap: a Viewer holds at most Can view, an Explorer at most Can explore; a visitor of an app
  // shared with the web only views it.
  if (actor.kind === 'anonymous') {
    if (effective !== 'can_view') {
      effective = 'can_view';
      reasons.push({
        code: 'access.capped_anonymous',
        message: 'Capped at Can view: visitors of an app shared with the web can only view it',
      });
    }
  } else {
    const cap = ROLE_PROJECT_CAP[actor.role];
    if (!meetsProjectPermission(cap, effective)) {
      effective = cap;
      reasons.push({
        code: 'access.capped_by_role',
        message: `Capped at ${label(cap)}: the ${WORKSPACE_ROLE_LABELS[actor.role]} role allows at most ${label(cap)}`,
      });
    }
  }

  // Workspace assets: editing a project needs access to every asset it uses.
  if (meetsProjectPermission(effective, 'can_edit')) {
    const missing = assetsWithoutAccess(actor, facts.assets);
    if (missing.length > 0) {
      effective = 'can_view';
      for (const asset of missing) {
        reasons.push({
          code: 'access.downgraded_no_asset_access',
          message: `Downgraded to Can view: no access to ${describeAsset(asset)}`,
        });
      }
    }
  }

  // Project connections switched off: nobody but an Admin authors queries on one any more, as
  // if they had lost Can query on it (the seed's downgrade to Can explore).
  if (
    meetsProjectPermission(effective, 'can_edit') &&
    facts.projectConnectionsEnabled === false &&
    !isAdmin(actor)
  ) {
    const disabled = facts.connections.filter((connection) => connection.scope === 'project');
    if (disabled.length > 0) {
      effective = 'can_explore';
      for (const connection of disabled) {
        reasons.push({
          code: 'access.project_connections_disabled',
          message: `Downgraded to Can explore: project data connections are switched off in this workspace (connection '${connection.name}')`,
        });
      }
    }
  }

  // Can query: authoring queries needs Can query on every imported connection.
  if (meetsProjectPermission(effective, 'can_edit')) {
    const withoutQuery = facts.connections.filter((connection) => !decideCanQuery(actor, connection).allowed);
    if (withoutQuery.length > 0) {
      effective = 'can_explore';
      for (const connection of withoutQuery) {
        reasons.push({
          code: 'access.downgraded_no_can_query',
          message: `Downgraded to Can explore: no Can query on connection '${connection.name}'`,
        });
      }
    }
  }

  // Can view results: without it on any imported connection, the project is closed.
  const withoutResults = facts.connections.filter(
    (connection) => !decideCanViewResults(actor, connection).allowed,
  );
  if (withoutResults.length > 0) {
    for (const connection of withoutResults) {
      reasons.push({
        code: 'access.closed_no_can_view_results',
        message: `No access: no Can view results on connection '${connection.name}'`,
      });
    }
    return { effective: 'none', granted, reasons };
  }

  return { effective, granted, reasons };
};
