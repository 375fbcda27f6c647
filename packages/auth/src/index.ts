export { createApiToken, type TokenActor, validateApiToken } from './api-tokens';
export { hashPassword, verifyDecoyPassword, verifyPassword } from './password';
export {
  type CredentialScope,
  revokeUserApiTokens,
  revokeUserCredentials,
  revokeUserSessions,
} from './revoke-user-credentials';
export { generateSecretToken, hashSecret, secretMatches } from './secret-token';
export {
  createSession,
  invalidateSession,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  type SessionActor,
  type SessionAuthMethod,
  validateSessionToken,
} from './sessions';
