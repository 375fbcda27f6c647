export { startTestOp, type TestAccount, type TestOp } from '../sso/testing/oidc-test-provider';
export {
  exampleSettings,
  groupIn,
  loopbackSettings,
  type ProjectGrant,
  projectIn,
  type Refusal,
  refusal,
  runnerLeavesResult,
  sqlCellIn,
  uniqueName,
  warehouseSettings,
} from './fixtures';
export {
  type ApiHarness,
  createApiHarness,
  FIXTURE_PASSWORD,
  silentLogger,
  TEST_ALLOWED_PRIVATE_HOSTS,
} from './harness';
export { sweepStoredSecretsOnDrop } from './leak-scan-sweep';
