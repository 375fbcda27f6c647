import { z } from 'zod';
import { SchemaErrorCode } from '../schema/errors';

/**
 * Every error code Quarry sends, one zod enum per domain. `QuarryError['code']` stays a string on
 * the wire (an older client must still read a newer server's codes); these unions are what the API's
 * error helpers are typed by and what the SPA and the SDK switch on. A code used in the source but
 * missing here fails `error-codes.test.ts`.
 */

/** Signing in, sessions and the request's origin. */
export const AuthErrorCode = z.enum([
  'auth.bad_origin',
  'auth.invalid_credentials',
  'auth.password_required',
  'auth.rate_limited',
  'auth.signed_out',
  'auth.sso_required',
  'auth.workspace_required',
]);
export type AuthErrorCode = z.infer<typeof AuthErrorCode>;

/** Why the permission engine decided what it decided (`@quarry/access` returns these). */
export const AccessReasonCode = z.enum([
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
  /** Managing a project data connection needs Can edit on its project. */
  'access.cannot_manage_connection',
  /** The actor is in none of the groups with access to a workspace asset. */
  'access.no_asset_access',
]);
export type AccessReasonCode = z.infer<typeof AccessReasonCode>;

/** Refusals: the engine's reasons plus the gate's own. */
export const AccessErrorCode = z.enum([
  ...AccessReasonCode.options,
  'access.insufficient_permission',
  /** Refused: importing a workspace asset the caller has no access to (the message names it). */
  'access.no_asset_access',
  'access.not_a_member',
  'access.session_required',
]);
export type AccessErrorCode = z.infer<typeof AccessErrorCode>;

/** What `not_found.<subject>` can name. Another workspace's ids answer these too. */
export const NotFoundSubject = z.enum([
  'cell',
  'connection',
  'dead_letter',
  'group',
  'group_member',
  'invite',
  'member',
  'probe',
  'project',
  'run',
  'schema_refresh',
  'schema_table',
  'secret',
  'session',
  'sso_provider',
  'token',
  'user',
  'workspace',
]);
export type NotFoundSubject = z.infer<typeof NotFoundSubject>;
export const NotFoundErrorCode = z.enum(NotFoundSubject.options.map((s) => `not_found.${s}` as const));
export type NotFoundErrorCode = `not_found.${NotFoundSubject}`;

export const GroupsErrorCode = z.enum(['groups.name_reserved', 'groups.name_taken']);
export type GroupsErrorCode = z.infer<typeof GroupsErrorCode>;

export const InvitesErrorCode = z.enum([
  'invites.already_member',
  'invites.invalid',
  'invites.not_pending',
  'invites.sign_in_first',
]);
export type InvitesErrorCode = z.infer<typeof InvitesErrorCode>;

export const MembersErrorCode = z.enum(['members.last_admin', 'members.not_on_yourself']);
export type MembersErrorCode = z.infer<typeof MembersErrorCode>;

/** Single sign-on: the provider, the browser flow and the account it reaches. */
export const SsoErrorCode = z.enum([
  'sso.account_deactivated',
  'sso.account_elsewhere',
  'sso.bad_callback',
  'sso.code_rejected',
  'sso.discovery_failed',
  'sso.domain_not_allowed',
  'sso.email_unverified',
  'sso.failed',
  'sso.flow_expired',
  'sso.flow_missing',
  'sso.flow_replayed',
  'sso.identity_conflict',
  'sso.insecure_issuer',
  'sso.invalid_claims',
  'sso.invalid_id_token',
  'sso.invalid_state',
  'sso.issuer_mismatch',
  'sso.no_provider',
  'sso.nonce_mismatch',
  'sso.provider_error',
  'sso.provider_misconfigured',
  'sso.provider_required',
  'sso.provider_unreachable',
  'sso.start_not_allowed',
  'sso.state_mismatch',
  'sso.unknown_provider',
]);
export type SsoErrorCode = z.infer<typeof SsoErrorCode>;

/** A run's outcome (`run.*`) and starting one (`runs.*`). */
export const RunErrorCode = z.enum([
  /** Nobody read the result while its delivery window stayed full: the query was cancelled. */
  'run.abandoned',
  'run.cancelled',
  'run.connection_deleted',
  'run.connection_not_in_project',
  'run.failed',
  'run.interrupted',
  'run.no_connection',
  'run.result_too_large',
  'run.results_expired',
  /** A stored chunk of the result failed the vault's check (moved from another run, or altered). */
  'run.results_unreadable',
  'run.value_too_large',
  'runs.too_many_active',
]);
export type RunErrorCode = z.infer<typeof RunErrorCode>;

/** The warehouse refused or failed the user's SQL. */
export const SqlErrorCode = z.enum(['sql.invalid_query', 'sql.syntax', 'sql.syntax_error', 'sql.timeout']);
export type SqlErrorCode = z.infer<typeof SqlErrorCode>;

/** Connections: Test connection and the connector underneath. */
export const ConnectionErrorCode = z.enum([
  /** Only Admins may do this to a workspace connection, or Can edit holders to a project connection. */
  'connections.cannot_manage',
  /** A draft cannot be queried until it is completed. */
  'connections.draft',
  /** The stored settings no longer satisfy the kind's schema. */
  'connections.incomplete',
  /** A field of the form was refused; `details.field` names it. */
  'connections.invalid_settings',
  /** The connection is already part of the project. */
  'connections.already_imported',
  /** Another connection of the workspace has this name. */
  'connections.name_taken',
  /** A project connection cannot be imported into another project or be the workspace default. */
  'connections.project_scoped',
  /** The project does not import this connection (a cell can only use what its project imports). */
  'connections.not_in_project',
  'connections.test_failed',
  'connections.test_timeout',
  'connections.unknown_kind',
  'connector.auth_failed',
  /** A run's connection failed before the query started; why is shown to Admins only (CONN-3). */
  'connector.connect_failed',
  'connector.database_not_found',
  'connector.failed',
  /** Identity passthrough (CONN-5): the warehouse refused the signed claims, or the run named no reader. */
  'connector.identity_denied',
  'connector.identity_key_missing',
  'connector.identity_not_installed',
  'connector.identity_rejected',
  /** The server's certificate does not name the host (verify-full). */
  'connector.tls_host_mismatch',
  /** The server refused the client certificate, or wanted one and got none. */
  'connector.tls_client_certificate_refused',
  'connector.tls_unavailable',
  /** The server's certificate does not chain to the CA the connection trusts (or has expired). */
  'connector.tls_untrusted',
  'connector.unreachable',
]);
export type ConnectionErrorCode = z.infer<typeof ConnectionErrorCode>;

/** A connection's SSH tunnel (the SSH server, its host key, the key Quarry signs in with). */
export const SshErrorCode = z.enum([
  /** The SSH host resolves to an address the policy refuses (CONN-2), or to none. */
  'ssh.address_refused',
  'ssh.host_unresolvable',
  'ssh.unreachable',
  'ssh.timeout',
  'ssh.handshake_failed',
  'ssh.auth_failed',
  /** The server presents another host key than the pinned one; both fingerprints are in `details`. */
  'ssh.host_key_changed',
  /** Runs refuse a tunnel whose host key no test has pinned yet. */
  'ssh.host_key_not_pinned',
  'ssh.key_invalid',
  'ssh.key_passphrase',
  'ssh.incomplete',
  /** The SSH server could not (or may not) connect to the database host and port. */
  'ssh.target_unreachable',
  /** A metadata or link-local target, refused before asking the SSH server. */
  'ssh.target_refused',
]);
export type SshErrorCode = z.infer<typeof SshErrorCode>;

/** Shared secrets. */
export const SecretsErrorCode = z.enum(['secrets.already_imported', 'secrets.name_taken']);
export type SecretsErrorCode = z.infer<typeof SecretsErrorCode>;

/** The address policy (SSRF defence) for every outbound connection. */
export const NetErrorCode = z.enum([
  'net.address_refused',
  'net.bad_allow_list',
  'net.request_failed',
  'net.response_too_large',
  'net.unresolvable',
]);
export type NetErrorCode = z.infer<typeof NetErrorCode>;

export const VaultErrorCode = z.enum([
  'vault.bad_format',
  'vault.bad_master_key',
  'vault.context_mismatch',
  'vault.tampered',
  'vault.unknown_key',
  'vault.unwrap_failed',
]);
export type VaultErrorCode = z.infer<typeof VaultErrorCode>;

/** `quarry vault rotate`: a record the app kept changing while it was being re-wrapped. */
export const RotationErrorCode = z.enum(['rotation.kept_changing']);
export type RotationErrorCode = z.infer<typeof RotationErrorCode>;

/** The audit log's hash chain did not verify. */
export const AuditErrorCode = z.enum(['audit.chain_broken']);
export type AuditErrorCode = z.infer<typeof AuditErrorCode>;

/** The request itself: bad input, the transport's refusals, our own faults. */
export const RequestErrorCode = z.enum([
  'input.invalid',
  'server.internal',
  'queue.unavailable',
  'request.bad_path',
  'request.batch_too_large',
  'request.credential_batch',
  'request.too_large',
  // tRPC's own codes, lower-cased (the API's error formatter answers each with a fixed sentence).
  'request.parse_error',
  'request.bad_request',
  'request.unauthorized',
  'request.payment_required',
  'request.forbidden',
  'request.not_found',
  'request.method_not_supported',
  'request.timeout',
  'request.conflict',
  'request.precondition_failed',
  'request.payload_too_large',
  'request.unsupported_media_type',
  'request.unprocessable_content',
  'request.precondition_required',
  'request.too_many_requests',
  'request.client_closed_request',
  'request.internal_server_error',
  'request.not_implemented',
  'request.bad_gateway',
  'request.service_unavailable',
  'request.gateway_timeout',
]);
export type RequestErrorCode = z.infer<typeof RequestErrorCode>;

/** Made by a client (the SPA or the SDK) when the server could not answer at all. */
export const ClientErrorCode = z.enum([
  'client.stream_ended',
  'client.unexpected_response',
  'client.unreachable',
]);
export type ClientErrorCode = z.infer<typeof ClientErrorCode>;

/** Every code, to switch on exhaustively. */
/** How a JS cell failed in its kernel (KRN-1..5): `user` outcomes but `kernel.crashed`. */
export const KernelErrorCode = z.enum([
  /** The cell ran past its CPU-time limit or its wall-clock deadline (`details.limit` says which). */
  'kernel.timeout',
  /** The isolate passed its memory limit, or the kernel process its heap or RSS cap. */
  'kernel.out_of_memory',
  /** The kernel process died or stopped answering for a reason we cannot name. */
  'kernel.crashed',
  /** The serialised result is larger than the cap (KRN-5). */
  'kernel.result_too_large',
  /** The cell threw (or did not compile): the user's message, with line and column when known. */
  'kernel.error',
  /** The cell returned something that is neither a table nor a JSON value. */
  'kernel.invalid_result',
  /** The cell's inputs could not be handed to the kernel (too large, not JSON, a bad name). */
  'kernel.invalid_input',
  /** The pool was closed while the run waited for or held a kernel. */
  'kernel.closed',
]);
export type KernelErrorCode = z.infer<typeof KernelErrorCode>;

/** Notebooks: cells, their names and references, and the inputs a run is started with. */
export const NotebookErrorCode = z.enum([
  /** Another cell of the project has this name. */
  'notebook.name_taken',
  /** `{{name}}` or a JS identifier names no input or cell above this one; `details.name` says which. */
  'notebook.unknown_reference',
  /** A cell reads a cell below it; a cell may only read cells above it. */
  'notebook.forward_reference',
  /** Inputs and Markdown cells are not run. */
  'notebook.not_runnable',
  /** An input's value does not fit its type; `details.input` names it. */
  'notebook.invalid_input',
  /** The change does not apply to this kind of cell (an input for a SQL cell, SQL for an input). */
  'notebook.field_not_for_kind',
  /** The JS cell's code does not parse; `details.line` and `details.column` say where. */
  'notebook.js_syntax',
  /**
   * The change would leave the notebook past its bound on cells or on their text in all (500 cells,
   * 5 MB; @quarry/notebook's MAX_NOTEBOOK_CELLS and MAX_NOTEBOOK_SOURCE); `details` gives both.
   */
  'notebook.too_large',
]);
export type NotebookErrorCode = z.infer<typeof NotebookErrorCode>;

export const QuarryErrorCode = z.enum([
  ...AuthErrorCode.options,
  ...AccessErrorCode.options,
  ...NotFoundErrorCode.options,
  ...GroupsErrorCode.options,
  ...InvitesErrorCode.options,
  ...MembersErrorCode.options,
  ...SsoErrorCode.options,
  ...RunErrorCode.options,
  ...SqlErrorCode.options,
  ...ConnectionErrorCode.options,
  ...SshErrorCode.options,
  ...SecretsErrorCode.options,
  ...NetErrorCode.options,
  ...VaultErrorCode.options,
  ...RotationErrorCode.options,
  ...AuditErrorCode.options,
  ...RequestErrorCode.options,
  ...ClientErrorCode.options,
  ...SchemaErrorCode.options,
  ...KernelErrorCode.options,
  ...NotebookErrorCode.options,
]);
export type QuarryErrorCode = z.infer<typeof QuarryErrorCode>;

/** The domain part of a code (`sso` of `sso.flow_expired`), for tables keyed by domain. */
type DomainOf<C> = C extends `${infer D}.${string}` ? D : never;
export type ErrorDomain = DomainOf<QuarryErrorCode>;
