export { TunnelDialError, tunnelErrorOf } from './errors';
export {
  type SshTunnelConfig,
  sshSecretsShape,
  sshSettingsShape,
  sshTunnelFieldIssue,
  sshTunnelFrom,
} from './fields';
export { fingerprintOf, hostKeyChanged, sameFingerprint } from './host-key';
export { type OpenTunnelOptions, openTunnel, type Tunnel } from './open-tunnel';
export { parsePrivateKey, privateKeyTextIssue } from './private-key';
export { checkTunnelTarget } from './tunnel-target';
export {
  type HostKeyPin,
  hostKeyNotPinned,
  TUNNEL_OPEN_TIMEOUT_MS,
  type TunneledTestOutcome,
  withTunnel,
} from './tunneled-connector';
