export { startTestOp, type TestAccount, type TestOp } from '../sso/testing/oidc-test-provider';
export { type ApiHarness, createApiHarness, FIXTURE_PASSWORD, silentLogger } from './harness';
