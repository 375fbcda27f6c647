import type { ConnectionScope, ConnectorFieldSection, ConnectorKindInfo } from '@quarry/contracts';

/** The seed's support tiers, as the list shows them. */
export const tierLabel = (tier: number): string => `Tier ${tier}`;

export const TIER_HELP: Readonly<Record<number, string>> = {
  1: 'Fully supported and actively maintained',
  2: 'Stable and supported; new features may arrive later',
  3: 'Supported, without every feature (such as chart cells)',
};

/** A kind's features as the form lists them, in the seed's words; absent ones are left out. */
export function featureLabels(kind: Pick<ConnectorKindInfo, 'features' | 'tls'>): string[] {
  const labels: string[] = [];
  if (kind.features.schemaBrowsing) labels.push('Schema browsing');
  if (kind.features.chartCells) labels.push('Chart cells');
  if (kind.features.ctePushDown) labels.push('Query in the warehouse (CTEs)');
  if (kind.features.ssh) labels.push('SSH tunnel');
  if (kind.features.tls) labels.push(`SSL/TLS ${TLS_REQUIREMENT_LABELS[kind.tls.requirement]}`);
  return labels;
}

/** The seed's SSL/TLS table, in its words. */
export const TLS_REQUIREMENT_LABELS: Readonly<Record<ConnectorKindInfo['tls']['requirement'], string>> = {
  required: 'required',
  enabled_by_default: 'enabled by default',
  configurable: 'configurable',
};

export const SCOPE_LABELS: Readonly<Record<ConnectionScope, string>> = {
  workspace: 'Workspace',
  project: 'Project',
};

/** The form's sections, in order. */
export const SECTIONS: readonly { section: ConnectorFieldSection; title: string }[] = [
  { section: 'connection', title: 'Connection' },
  { section: 'credentials', title: 'Credentials' },
  { section: 'tls', title: 'SSL/TLS' },
  { section: 'ssh', title: 'SSH tunnel' },
];

export const STORED_SECRET_PLACEHOLDER = '•••• stored — leave blank to keep';

export const projectsCount = (count: number): string => (count === 1 ? '1 project' : `${count} projects`);

/** The toast after deleting a connection or a secret: how many projects lost it, if any. */
export const deletedMessage = (name: string, removedFromProjects: number): string =>
  removedFromProjects > 0
    ? `${name} deleted and removed from ${projectsCount(removedFromProjects)}`
    : `${name} deleted`;
