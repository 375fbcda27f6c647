/**
 * Why the engine decided what it decided. `code` is stable (`access.snake_case`) so the API and the
 * SPA can switch on it; `message` is a sentence a person can read, naming the asset or role at fault.
 */
export type Reason = { code: AccessReasonCode; message: string };

/** Every code the engine can return, for the API's error table. */
export const ACCESS_REASON_CODES = [
  /** No grant reaches the actor: the project is not shared with them. */
  'access.no_grant',
  /** An Admin opens a project not shared with them with Full access. */
  'access.admin_full_access',
  /** The workspace role caps the grant (Viewer → Can view, Explorer → Can explore). */
  'access.capped_by_role',
  /** A visitor of an app shared with the web can only view it. */
  'access.capped_anonymous',
  /** Can edit or Full access, but no access to a workspace asset the project uses → Can view. */
  'access.downgraded_no_asset_access',
  /** Can edit or Full access, but no Can query on a connection the project imports → Can explore. */
  'access.downgraded_no_can_query',
  /** No Can view results on a connection the project imports: the project is closed. */
  'access.closed_no_can_view_results',
  /** Refused: the person or group to share with has no access to an asset the project uses. */
  'access.share_refused_no_asset_access',
  /** Refused: the workspace role does not allow the action. */
  'access.role_not_allowed',
  /** Refused: Admins switched project data connections off for the workspace. */
  'access.project_connections_disabled',
  /** Connection permission held because the actor is an Admin. */
  'access.admin_always',
  /** Connection permission held through a group (or everyone). */
  'access.granted_to_group',
  /** Connection permission held because the actor has Can query on the connection. */
  'access.implied_by_can_query',
  /** No Can query on the connection. */
  'access.no_can_query',
  /** No Can view results on the connection. */
  'access.no_can_view_results',
  /** Schema refresh on the connection is reserved to Admins. */
  'access.refresh_admins_only',
  /** Re-sharing by Can edit holders was switched off by a Full access holder. */
  'access.resharing_off',
  /** Sharing needs Can edit or Full access. */
  'access.cannot_share',
  /** A sharer tried to grant more than they hold. */
  'access.grant_above_own',
  /** A sharer tried to change or remove a grant above their own permission. */
  'access.change_above_own',
  /** The share dialog never grants Public: that is "share with the web". */
  'access.public_only_through_web',
  /** Sharing with the web (granting Public) needs Full access. */
  'access.web_sharing_needs_full_access',
  /** Sharing with the web grants Public Can view, never more. */
  'access.web_sharing_view_only',
  /** Duplicating a project needs Can edit on it. */
  'access.cannot_duplicate',
] as const;
export type AccessReasonCode = (typeof ACCESS_REASON_CODES)[number];
