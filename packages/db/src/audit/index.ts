export {
  type ChainBreak,
  chainedTextAround,
  findChainBreak,
  GENESIS_HASH,
  hashAuditEntry,
} from './hash-chain';
export { verifyAuditChain } from './verify-audit-chain';
export {
  type AuditEvent,
  appendAuditEvent,
  auditChainOf,
  writeAuditEvent,
} from './write-audit-event';
