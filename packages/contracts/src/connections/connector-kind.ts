import { z } from 'zod';

/** A registered connector kind's id (`postgres`, `mysql`, …); the registry says which exist. */
export const ConnectorKindId = z
  .string()
  .max(32)
  .regex(/^[a-z][a-z0-9_]{1,31}$/, 'Choose a database kind from the list');
export type ConnectorKindId = z.infer<typeof ConnectorKindId>;

/** The seed's support tiers: 1 fully supported, 2 stable, 3 supported without every feature. */
export const ConnectorTier = z.union([z.literal(1), z.literal(2), z.literal(3)]);
export type ConnectorTier = z.infer<typeof ConnectorTier>;

/** The seed's SSL/TLS table: Required, Enabled by default, or Configurable. */
export const TlsRequirement = z.enum(['required', 'enabled_by_default', 'configurable']);
export type TlsRequirement = z.infer<typeof TlsRequirement>;

/** Where a field is shown in the connection form. */
export const ConnectorFieldSection = z.enum(['connection', 'credentials', 'tls', 'ssh']);
export type ConnectorFieldSection = z.infer<typeof ConnectorFieldSection>;

/**
 * One field of a kind's form, generated from its zod schemas (`@quarry/connectors`): the SPA draws
 * the form from these and knows nothing of any database.
 */
export const ConnectorField = z.object({
  name: z.string(),
  label: z.string(),
  section: ConnectorFieldSection,
  /**
   * `secret_textarea`: a write-only value of several lines (a private key in PEM); `switch`: a
   * setting that is on or off.
   */
  input: z.enum(['text', 'integer', 'select', 'secret', 'textarea', 'secret_textarea', 'switch']),
  required: z.boolean(),
  /** A secret: write-only; left blank on edit, the stored value is kept. */
  secret: z.boolean(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  help: z.string().optional(),
  placeholder: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
export type ConnectorField = z.infer<typeof ConnectorField>;

export const ConnectorFeatures = z.object({
  schemaBrowsing: z.boolean(),
  chartCells: z.boolean(),
  ctePushDown: z.boolean(),
  ssh: z.boolean(),
  tls: z.boolean(),
});
export type ConnectorFeatures = z.infer<typeof ConnectorFeatures>;

/** What a client needs to know of a kind: its label, tier, features, defaults and form. */
export const ConnectorKindInfo = z.object({
  kind: ConnectorKindId,
  label: z.string(),
  tier: ConnectorTier,
  dialect: z.enum(['postgresql', 'mysql']),
  features: ConnectorFeatures,
  defaultPort: z.number().int(),
  tls: z.object({ requirement: TlsRequirement, modes: z.array(z.string()), default: z.string() }),
  fields: z.array(ConnectorField),
});
export type ConnectorKindInfo = z.infer<typeof ConnectorKindInfo>;
