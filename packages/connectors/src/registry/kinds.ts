import { postgresKind } from '../postgres/kind';
import type { ConnectorKind } from './connector-kind';

/** Every connector kind Quarry offers, by id. The runner and the API pick connectors only here. */
export const CONNECTOR_KINDS: ReadonlyMap<string, ConnectorKind> = new Map([
  [postgresKind.kind, postgresKind],
]);

/** The kind declared under `kind`, or undefined for an unknown one. */
export const connectorKind = (kind: string): ConnectorKind | undefined => CONNECTOR_KINDS.get(kind);
