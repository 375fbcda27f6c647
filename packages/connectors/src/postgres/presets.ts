import type { ConnectorKind } from '../registry/connector-kind';
import { type PostgresFlavour, postgresFlavour, postgresKind } from './kind';

/**
 * Databases that speak PostgreSQL's wire protocol, each a preset of the PostgreSQL connector: the
 * same fields, driver and TLS code, with the vendor's default port and TLS mode. Every one of them
 * is TLS-only in Quarry, so each declares TLS `required`: stricter than the seed's table, which has
 * Redshift and Materialize "Enabled by default" and AlloyDB and Cloud SQL "Configurable" (what
 * Quarry declares is what it does). The default mode is the strongest that works with nothing pasted:
 * - `verify-full` where the vendor's endpoints carry certificates from public authorities
 *   (Redshift's from Amazon's, CockroachDB Cloud's, Materialize Cloud's), checked against the roots
 *   Node ships;
 * - `require` where each instance has its own CA (AlloyDB, Cloud SQL, Supabase's pooler): paste
 *   the instance's CA and choose Verify CA to check it.
 * Tiers say how far we test them: PostgreSQL's own managed services run our suite's server
 * unchanged (tier 1); Redshift and poolers speak the protocol with differences in catalogs and
 * sessions (tier 2); CockroachDB and Materialize are other engines behind the protocol (tier 3).
 */
const PRESETS: PostgresFlavour[] = [
  {
    kind: 'redshift',
    label: 'Amazon Redshift',
    tier: 2,
    defaultPort: 5439,
    tls: { requirement: 'required', default: 'verify-full' },
    identity: false,
  },
  {
    kind: 'alloydb',
    label: 'AlloyDB for PostgreSQL',
    tier: 1,
    defaultPort: 5432,
    tls: { requirement: 'required', default: 'require' },
    identity: true,
  },
  {
    kind: 'cloudsql_postgres',
    label: 'Cloud SQL for PostgreSQL',
    tier: 1,
    defaultPort: 5432,
    tls: { requirement: 'required', default: 'require' },
    identity: true,
  },
  {
    kind: 'cockroachdb',
    label: 'CockroachDB',
    tier: 3,
    defaultPort: 26257,
    tls: { requirement: 'required', default: 'verify-full' },
    identity: false,
  },
  {
    kind: 'materialize',
    label: 'Materialize',
    tier: 3,
    defaultPort: 6875,
    tls: { requirement: 'required', default: 'verify-full' },
    identity: false,
  },
  {
    kind: 'postgres_pooler',
    label: 'PostgreSQL pooler (Supabase, Neon)',
    tier: 2,
    defaultPort: 6543,
    tls: { requirement: 'required', default: 'require' },
    identity: true,
  },
];

/** PostgreSQL first, then its presets: every kind the PostgreSQL connector serves. */
export const POSTGRES_FAMILY: ConnectorKind[] = [postgresKind, ...PRESETS.map(postgresFlavour)];
