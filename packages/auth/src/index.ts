export { createApiToken, revokeUserTokens, type TokenActor, validateApiToken } from './api-tokens';
export { hashPassword, verifyDecoyPassword, verifyPassword } from './password';
export { generateSecretToken, hashSecret, secretMatches } from './secret-token';
export {
  createSession,
  invalidateSession,
  invalidateUserSessions,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  type SessionActor,
  validateSessionToken,
} from './sessions';
