export { ProcedurePermission } from './access/permissions';
export { BuiltInGroup, ProjectPermission, WorkspaceRole } from './access/roles';
export { Email, Me, Password, SignInInput } from './auth/sign-in';
export { err, ok, QuarryError, type Result } from './errors/quarry-error';
export { RunExecuteJob } from './jobs/run-execute';
export {
  CellId,
  ConnectionId,
  GetProjectInput,
  ProjectDetail,
  ProjectId,
  ProjectSummary,
  SqlCell,
  UpdateCellInput,
} from './projects/project';
export {
  Cell,
  Column,
  ColumnType,
  parseRowBatch,
  RUN_ROW_LIMIT_DEFAULT,
  RUN_ROW_LIMIT_MAX,
  RunEvent,
  RunId,
  RunInput,
  RunStatus,
  RunSummary,
  StartRunInput,
} from './runs/run';
export {
  API_TOKEN_DAY_MS,
  API_TOKEN_DEFAULT_DAYS,
  API_TOKEN_MAX_DAYS,
  ApiTokenSummary,
  CreateApiTokenInput,
  CreatedApiToken,
  RevokeApiTokenInput,
} from './tokens/api-token';
