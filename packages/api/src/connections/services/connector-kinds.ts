import { CONNECTOR_KINDS, describeKind } from '@quarry/connectors';
import type { ConnectorKindInfo } from '@quarry/contracts';

/** Every connector kind Quarry offers, as the SPA draws its form from them. */
export const connectorKinds = (): ConnectorKindInfo[] => [...CONNECTOR_KINDS.values()].map(describeKind);
