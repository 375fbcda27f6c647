export {
  ProjectAccessLevel,
  ProjectCapabilities,
  WorkspaceAccess,
  WorkspaceCapabilities,
} from './access/capabilities';
export { ProcedurePermission } from './access/permissions';
export { BuiltInGroup, ProjectPermission, WorkspaceRole } from './access/roles';
export { AuditEntry, AuditPage, AuditVerification, ListAuditInput } from './audit/audit';
export { Email, Me, Password, SignInInput, SwitchWorkspaceInput, WorkspaceChoice } from './auth/sign-in';
export {
  AssetUsage,
  CACHE_TTL_MAX_SECONDS,
  CACHE_TTL_MIN_SECONDS,
  ConnectionCachePolicy,
  ConnectionDetail,
  ConnectionName,
  ConnectionRef,
  ConnectionSecretsInput,
  ConnectionSettingsInput,
  ConnectionSummary,
  CreateConnectionInput,
  CreateProjectConnectionInput,
  IdentitySetup,
  ImportConnectionInput,
  InvalidateCacheInput,
  InvalidatedCache,
  ProjectConnectionsSetting,
  SetConnectionCachePolicyInput,
  UpdateConnectionInput,
} from './connections/connection';
export {
  ConnectorFeatures,
  ConnectorField,
  ConnectorFieldSection,
  ConnectorKindId,
  ConnectorKindInfo,
  ConnectorTier,
  TlsRequirement,
} from './connections/connector-kind';
export {
  CanRefreshSchema,
  ConnectionPermissions,
  ConnectionScope,
  ConnectionStatus,
  PermissionChangePreview,
  UpdateConnectionPermissionsInput,
} from './connections/permissions';
export {
  ConnectionTestJob,
  ConnectionTestOutput,
  RoleWarning,
  TestConnectionInput,
  TestConnectionResult,
  TestNewConnectionInput,
  TestNewProjectConnectionInput,
} from './connections/test-connection';
export {
  AccessErrorCode,
  AccessReasonCode,
  AuditErrorCode,
  AuthErrorCode,
  ClientErrorCode,
  ConnectionErrorCode,
  type ErrorDomain,
  GroupsErrorCode,
  InvitesErrorCode,
  KernelErrorCode,
  MembersErrorCode,
  NetErrorCode,
  NotebookErrorCode,
  NotFoundErrorCode,
  NotFoundSubject,
  QuarryErrorCode,
  RequestErrorCode,
  RotationErrorCode,
  RunErrorCode,
  SecretsErrorCode,
  SqlErrorCode,
  SshErrorCode,
  SsoErrorCode,
  VaultErrorCode,
} from './errors/error-codes';
export { err, ok, QuarryError, type Result } from './errors/quarry-error';
export { RunExecuteJob } from './jobs/run-execute';
export {
  AcceptInviteInput,
  ChangeRoleInput,
  CreatedInvite,
  CreateGroupInput,
  CreateInviteInput,
  GroupId,
  GroupInput,
  GroupMemberInput,
  GroupOption,
  GroupSummary,
  INVITE_TTL_DAYS,
  InviteInput,
  InvitePreview,
  InviteSummary,
  JoinWithAccountInput,
  MemberInput,
  MemberSummary,
  UserId,
} from './members/members';
export {
  AddCellInput,
  DeleteCellInput,
  MoveCellInput,
  RenameCellInput,
} from './notebook/cell-changes';
export { CellKind, CellName, RunnableCellKind } from './notebook/cell-name';
export {
  CellConnectionNote,
  CellSource,
  InputCell,
  JsCell,
  MarkdownCell,
  NotebookCell,
  SqlCell,
} from './notebook/cells';
export {
  DateRangeValue,
  InputConfig,
  type InputType,
  InputValue,
  InputValues,
  IsoDate,
  SelectOptions,
} from './notebook/inputs';
export { BoundValue, JsStep, RunPlan, RunStep, RunStepOutcome, SqlStep } from './notebook/run-plan';
export {
  postgresPlaceholders,
  type SqlDialect,
  type SqlPlaceholder,
  skipSqlText,
} from './notebook/sql-text';
export {
  ActiveRun,
  DeadLetter,
  DeadLetterChange,
  DeadLetterQueueName,
  OperationsStatus,
  PurgeDeadLettersInput,
  QueueDepth,
  RecentFailure,
  RetryDeadLetterInput,
  RunnerInstance,
} from './operations/operations';
export {
  AccessReason,
  AppCell,
  CellId,
  ConnectionId,
  GetProjectInput,
  ProjectConnectionSummary,
  ProjectDetail,
  ProjectId,
  ProjectSummary,
  type ProjectWithLogic,
  UpdateCellInput,
} from './projects/project';
export {
  Cell,
  Column,
  ColumnType,
  ENDED_RUN_STATUSES,
  parseRowBatch,
  RUN_ROW_LIMIT_DEFAULT,
  RUN_ROW_LIMIT_MAX,
  RunEvent,
  RunId,
  RunInput,
  RunStatus,
  RunSummary,
  runHasEnded,
  StartRunInput,
} from './runs/run';
export {
  BrowsedColumn,
  BrowsedDatabase,
  BrowsedTable,
  MAX_SCHEMA_SEARCH_LIMIT,
  SchemaColumnsInput,
  SchemaObjectKind,
  SchemaSearchHit,
  SchemaSearchInput,
  SchemaSearchResult,
  SchemaTableDetail,
  SchemaTree,
} from './schema/browse';
export { SchemaErrorCode } from './schema/errors';
export {
  EMPTY_SCHEMA_FILTER,
  MAX_SCHEMA_FILTER_PATTERN_LENGTH,
  MAX_SCHEMA_FILTER_RULES,
  SchemaFilter,
  SchemaFilterPattern,
  SchemaFilterRule,
} from './schema/filter';
export {
  RefreshCadence,
  RefreshPermission,
  SchemaConnectionInput,
  SchemaRefresh,
  SchemaRefreshId,
  SchemaRefreshJob,
  SchemaRefreshStatus,
  SchemaRefreshStatusInput,
  SchemaRefreshTrigger,
  SchemaSettings,
  SchemaTableId,
  UpdateSchemaSettingsInput,
} from './schema/refresh';
export {
  CreateSecretInput,
  DeleteSecretResult,
  ImportSecretInput,
  ProjectSecret,
  ProjectSecretsInput,
  SecretId,
  SecretName,
  SecretRef,
  SecretSummary,
  UpdateSecretInput,
} from './secrets/secret';
export { ChangePasswordInput, RevokeSessionInput, SessionSummary } from './sessions/sessions';
export {
  DuplicateProjectInput,
  EditorsCanShareInput,
  GetSharingInput,
  ProjectSharing,
  ShareEntry,
  ShareProjectInput,
  ShareReason,
  ShareRoute,
  ShareTarget,
  ShareWithWebInput,
} from './sharing/sharing';
export { CreateSsoProviderInput, SignInOptions, SsoKind, SsoProviderSummary, SsoSettings } from './sso/sso';
export {
  API_TOKEN_DAY_MS,
  API_TOKEN_DEFAULT_DAYS,
  API_TOKEN_MAX_DAYS,
  ApiTokenSummary,
  CreateApiTokenInput,
  CreatedApiToken,
  RevokeApiTokenInput,
} from './tokens/api-token';
export {
  MAX_CALLS_PER_REQUEST,
  MAX_EMAIL_LENGTH,
  MAX_ID_LENGTH,
  MAX_REQUEST_BODY_BYTES,
} from './transport/request-limits';
