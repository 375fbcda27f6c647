import type { ConnectorField, ConnectorKindInfo } from '@quarry/contracts';
import type { z } from 'zod';
import type { ConnectorKind, FieldMeta } from './connector-kind';

type Def = {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  entries?: Record<string, string>;
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Peels `.default()` and `.optional()` off a field: its base schema, its default, whether required. */
function unwrap(schema: z.ZodType): { base: z.ZodType; fallback: unknown; optional: boolean } {
  let current = schema;
  let fallback: unknown;
  let optional = false;
  for (;;) {
    const def = defOf(current);
    if (def.type === 'default' && def.innerType) {
      fallback = def.defaultValue;
      current = def.innerType;
    } else if (def.type === 'optional' && def.innerType) {
      optional = true;
      current = def.innerType;
    } else return { base: current, fallback, optional };
  }
}

function describeField(name: string, schema: z.ZodType, secret: boolean): ConnectorField {
  const meta = (schema.meta() ?? {}) as Partial<FieldMeta>;
  const { base, fallback, optional } = unwrap(schema);
  const def = defOf(base);
  const bounds = base as unknown as { minValue?: number | null; maxValue?: number | null };
  const field: ConnectorField = {
    name,
    label: meta.label ?? name,
    section: meta.section ?? (secret ? 'credentials' : 'connection'),
    input: secret
      ? 'secret'
      : def.type === 'number'
        ? 'integer'
        : def.type === 'enum'
          ? 'select'
          : def.type === 'boolean'
            ? 'switch'
            : 'text',
    required: !optional && fallback === undefined && !secret,
    secret,
  };
  if (meta.multiline) field.input = secret ? 'secret_textarea' : 'textarea';
  if (typeof fallback === 'string' || typeof fallback === 'number' || typeof fallback === 'boolean')
    field.default = fallback;
  if (def.type === 'enum' && def.entries) {
    field.options = Object.values(def.entries).map((value) => ({
      value,
      label: meta.optionLabels?.[value] ?? value,
    }));
  }
  if (def.type === 'number') {
    if (typeof bounds.minValue === 'number' && Number.isFinite(bounds.minValue)) field.min = bounds.minValue;
    if (typeof bounds.maxValue === 'number' && Number.isFinite(bounds.maxValue)) field.max = bounds.maxValue;
  }
  if (meta.help) field.help = meta.help;
  if (meta.placeholder) field.placeholder = meta.placeholder;
  return field;
}

/** A kind as clients see it: everything to draw its form and badges, generated from its schemas. */
export function describeKind(kind: ConnectorKind): ConnectorKindInfo {
  const fields = [
    ...Object.entries(kind.settings.shape).map(([name, schema]) => describeField(name, schema, false)),
    ...Object.entries(kind.secrets.shape).map(([name, schema]) => describeField(name, schema, true)),
  ];
  return {
    kind: kind.kind,
    label: kind.label,
    tier: kind.tier,
    dialect: kind.dialect,
    features: kind.features,
    defaultPort: kind.defaultPort,
    tls: { requirement: kind.tls.requirement, modes: [...kind.tls.modes], default: kind.tls.default },
    fields,
  };
}
