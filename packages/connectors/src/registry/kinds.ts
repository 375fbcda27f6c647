import { mysqlConnectors } from '../mysql';
import { postgresConnector } from '../postgres/connector';
import { POSTGRES_FAMILY } from '../postgres/presets';
import type { Connector } from './connector';
import type { ConnectorKind } from './connector-kind';

/**
 * Every connector Quarry offers, by kind id. The runner and the API pick connectors only here;
 * nothing outside a connector's folder knows its driver.
 */
export const CONNECTORS: ReadonlyMap<string, Connector> = new Map(
  ([...POSTGRES_FAMILY.map(postgresConnector), ...mysqlConnectors] as Connector[]).map((connector) => [
    connector.declaration.kind,
    connector,
  ]),
);

/** Every kind's declaration, by id. */
export const CONNECTOR_KINDS: ReadonlyMap<string, ConnectorKind> = new Map(
  [...CONNECTORS].map(([kind, connector]) => [kind, connector.declaration]),
);

/** The kind declared under `kind`, or undefined for an unknown one. */
export const connectorKind = (kind: string): ConnectorKind | undefined => CONNECTOR_KINDS.get(kind);

/** The connector of `kind`, or undefined for an unknown one. */
export const connectorFor = (kind: string): Connector | undefined => CONNECTORS.get(kind);
