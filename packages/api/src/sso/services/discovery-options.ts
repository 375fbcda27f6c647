import { EMPTY_ALLOW_LIST } from '@quarry/net-policy';
import type { Deps } from '../../deps';
import type { DiscoveryOptions } from './auth-sso';

/**
 * How this Quarry discovers issuers: plain http only for a loopback issuer while Quarry itself is on
 * plain-http localhost, internal addresses only when configuration allows them (CONN-2), and the
 * reason behind the generic `sso.discovery_failed` kept in the log, never shown.
 */
export function discoveryOptions(deps: Deps): DiscoveryOptions {
  return {
    allowInsecureLoopback: !deps.secureCookies,
    allowPrivateHosts: deps.allowPrivateHosts ?? EMPTY_ALLOW_LIST,
    onFailure: (detail) => deps.log.warn({ ...detail }, 'sso discovery failed'),
  };
}
