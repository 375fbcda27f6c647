export { passwordSignInAllowed } from './password-sign-in-allowed';
export { flowCookieName, SSO_FLOW_TTL_MS } from './services/flow-cookie';
export { ssoCallbackPath, ssoRedirectUri } from './services/redirect-uri';
export {
  completeSsoSignIn,
  type SsoCallbackInput,
  type SsoCallbackOutcome,
  startSsoSignIn,
} from './services/sign-in';
