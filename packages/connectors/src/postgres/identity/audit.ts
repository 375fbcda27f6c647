import type { SessionQuery } from '../../registry/connector';
import { DEFAULT_IDENTITY_SCHEMA } from './install-sql';

/** What lets a connection's role read past the warehouse's policies, whatever the identity says. */
export type IdentityWarning = {
  code: 'role.identity_bypassed' | 'role.identity_owns_rls_tables' | 'role.identity_reads_key';
  message: string;
  /** Run by a superuser (or the objects' owner) at the warehouse. */
  fix: string;
};

type Facts = { login: string; escaping: string[]; owned: string[]; key_readers: string[] };

/**
 * Row-level security binds neither a superuser, nor a role with BYPASSRLS, nor a table's owner
 * (unless the table forces it): if the connection's login role is, or may `SET ROLE` to, such a
 * role, any cell can read every row, signed identity or not. Reads the catalogs only; what the
 * connection's test shows when identity passthrough is on.
 */
export async function auditIdentityRoles(
  query: SessionQuery,
  schema: string = DEFAULT_IDENTITY_SCHEMA,
): Promise<IdentityWarning[]> {
  const [row] = await query(
    `select pg_catalog.quote_ident(session_user) as login,
      array(select pg_catalog.quote_ident(r.rolname) from pg_catalog.pg_roles r
            where (r.rolsuper or r.rolbypassrls)
              and pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER') order by 1) as escaping,
      array(select c.oid::pg_catalog.regclass::text from pg_catalog.pg_class c
            where c.relrowsecurity and not c.relforcerowsecurity
              and pg_catalog.pg_has_role(session_user, c.relowner, 'MEMBER') order by 1) as owned,
      array(select pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(c.relowner)) from pg_catalog.pg_class c
            where c.oid = pg_catalog.to_regclass(pg_catalog.quote_ident($1) || '.signing_key')
              and (pg_catalog.pg_has_role(session_user, c.relowner, 'MEMBER')
                   or (pg_catalog.has_table_privilege(session_user, c.oid, 'SELECT')
                       and not (c.relrowsecurity and c.relforcerowsecurity)))) as key_readers`,
    [schema],
  );
  if (!row) return [];
  const facts = row as Facts;
  const warnings: IdentityWarning[] = [];
  if (facts.escaping.length > 0) {
    warnings.push({
      code: 'role.identity_bypassed',
      message: `This connection's role is, or may switch to, a role that row-level security does not bind: ${facts.escaping.join(', ')}`,
      fix: facts.escaping
        .map((role) =>
          role === facts.login
            ? `alter role ${role} nosuperuser nobypassrls;`
            : `revoke ${role} from ${facts.login}; -- or: alter role ${role} nosuperuser nobypassrls;`,
        )
        .join('\n'),
    });
  }
  if (facts.owned.length > 0) {
    warnings.push({
      code: 'role.identity_owns_rls_tables',
      message: `This connection's role owns (or may act as the owner of) tables with row-level security, which binds their owner only when forced: ${facts.owned.join(', ')}`,
      fix: facts.owned.map((table) => `alter table ${table} force row level security;`).join('\n'),
    });
  }
  if (facts.key_readers.length > 0) {
    warnings.push({
      code: 'role.identity_reads_key',
      message: `This connection's role can read the identity signing key (it is, or may act as, ${facts.key_readers.join(', ')}, or was granted the table): any cell could sign anyone's identity`,
      fix: `revoke ${facts.key_readers.join(', ')} from ${facts.login};\nrevoke all on ${schema}.signing_key from ${facts.login};`,
    });
  }
  return warnings;
}
