import type { ConnectorFeatures, ConnectorTier, TlsRequirement } from '@quarry/contracts';
import type { z } from 'zod';

/**
 * What a connector kind declares: its settings (non-secret, strict: an unknown field is refused,
 * CONN-1), its secret fields (sealed by the vault, write-only), its tier, features, default port and
 * TLS modes. Field labels, sections and help live in each field's zod `.meta()`, from which the
 * SPA's form is generated (`describeKind`).
 */
export type ConnectorKind = {
  kind: string;
  label: string;
  tier: ConnectorTier;
  dialect: 'postgresql' | 'mysql';
  features: ConnectorFeatures;
  defaultPort: number;
  tls: { requirement: TlsRequirement; modes: readonly string[]; default: string };
  settings: z.ZodObject;
  secrets: z.ZodObject;
  /**
   * What no single field can say (a mode that needs another field, a key that must match its
   * certificate), checked on complete connections after both schemas passed. Cross-field rules live
   * here because a zod object with refinements cannot be made partial for drafts.
   */
  check?: (settings: Record<string, unknown>, secrets: Record<string, string>) => SettingsIssue | null;
};

/** A refusal of a whole connection, shown beside `field`. */
export type SettingsIssue = { field: string; message: string; hint: string };

/** What a field's `.meta()` may say, read by `describeKind`. */
export type FieldMeta = {
  label: string;
  section: 'connection' | 'credentials' | 'tls' | 'ssh';
  help?: string;
  placeholder?: string;
  multiline?: boolean;
  optionLabels?: Record<string, string>;
};
