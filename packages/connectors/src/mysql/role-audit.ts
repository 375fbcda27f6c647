import type { RoleWarning } from '@quarry/contracts';

/** What a reader shared by every Quarry user of a connection may hold, and nothing else. */
const READ_PRIVILEGES = new Set(['SELECT', 'SHOW VIEW', 'USAGE']);
/** Privileges with a warning of their own (the rest beyond reading is "can write"). */
const OWN_WARNING = new Set([
  'FILE',
  'PROCESS',
  'SUPER',
  'CONNECTION ADMIN',
  'CONNECTION_ADMIN',
  'CREATE USER',
  'CREATE TEMPORARY TABLES',
  'PROXY',
]);

/**
 * `grantee`: the role, as the server wrote it, when the grant is a role's (MariaDB lists the active
 * role's grants with the account's); null for the account's own.
 */
type Grant = { privileges: string[]; target: string; grantOption: boolean; grantee: string | null };

/** Splits `SELECT (a, b), INSERT, SHOW VIEW` at the commas outside parentheses. */
function splitPrivileges(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of list) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  // A column grant (`INSERT (c)`) is still that privilege: what lies from the first `(` to the last
  // `)` goes. Cut by index, not by `/\(.*\)/s`, which rescans the rest of the line from every `(`
  // (quadratic): the line is the server's, and a server of one's own can answer a 16 MB one.
  return parts
    .map((p) => {
      const open = p.indexOf('(');
      const close = p.lastIndexOf(')');
      const bare = open !== -1 && close > open ? p.slice(0, open) + p.slice(close + 1) : p;
      return bare.trim().toUpperCase();
    })
    .filter(Boolean);
}

/**
 * `WITH … GRANT OPTION` in a grant line. The first WITH decides (a GRANT OPTION after any WITH is
 * after the first): `/\bWITH\b.*\bGRANT OPTION\b/s` would rescan the rest of the line from every
 * WITH, quadratic on a line a server of one's own can make megabytes long.
 */
function withGrantOption(line: string): boolean {
  const first = /\bWITH\b/.exec(line);
  return first !== null && /\bGRANT OPTION\b/.test(line.slice(first.index + 4));
}

/**
 * Reads one `SHOW GRANTS` line; role grants (`GRANT role TO user`) and proxy grants carry no
 * privilege list and answer null. Only the privileges, the target and WITH GRANT OPTION are kept:
 * the line can also carry the password's hash (`IDENTIFIED BY PASSWORD '*…'`), never repeated.
 */
export function parseGrant(line: string): Grant | null {
  const match = /^GRANT (.+?) ON ((?:(?:FUNCTION|PROCEDURE|PACKAGE(?: BODY)?) )?\S+) TO (\S+)(?: .*)?$/s.exec(
    line.trim(),
  );
  if (!match) return null;
  const [, list = '', target = '', grantee = ''] = match;
  const privileges = splitPrivileges(list);
  if (privileges.includes('PROXY')) return null;
  const expanded = privileges.flatMap((p) =>
    p === 'ALL' || p === 'ALL PRIVILEGES' ? ['ALL PRIVILEGES'] : [p],
  );
  return {
    privileges: expanded,
    target,
    grantOption: withGrantOption(line),
    // An account is `user`@`host`; a role has no host.
    grantee: grantee.includes('@') ? null : grantee,
  };
}

/** `root@localhost` (what CURRENT_USER() answers) as an account name in SQL: `'root'@'localhost'`. */
export function accountName(currentUser: string): string {
  const at = currentUser.lastIndexOf('@');
  const quote = (part: string) => `'${part.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  return at < 0
    ? quote(currentUser)
    : `${quote(currentUser.slice(0, at))}@${quote(currentUser.slice(at + 1))}`;
}

/**
 * Inspects the account a connection signs in as, from `SHOW GRANTS` (read-only). Every Quarry user
 * of a connection shares the account, so anything it may do, each of them may do to the others and
 * to the data. Each warning carries the SQL that takes the ability away.
 */
export function auditGrants(grantLines: readonly string[], currentUser: string): RoleWarning[] {
  const account = accountName(currentUser);
  const grants = grantLines.map(parseGrant).filter((g): g is Grant => g !== null);
  const has = (privilege: string) =>
    grants.filter((g) => g.privileges.includes(privilege) || g.privileges.includes('ALL PRIVILEGES'));
  const global = (g: Grant) => g.target === '*.*';
  const admin = grants.filter(
    (g) => global(g) && (g.privileges.includes('ALL PRIVILEGES') || g.privileges.includes('SUPER')),
  );
  if (admin.length > 0) {
    return [
      {
        code: 'role.superuser',
        message:
          'The connection signs in as an administrator: every Quarry user of it can do anything on this server',
        fix: [
          ...new Set(admin.map((g) => `REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${g.grantee ?? account};`)),
          `GRANT SELECT, SHOW VIEW ON \`your_database\`.* TO ${account};`,
        ].join('\n'),
      },
    ];
  }
  const warnings: RoleWarning[] = [];
  const revoke = (privilege: string, found: Grant[]) =>
    found.map((g) => `REVOKE ${privilege} ON ${g.target} FROM ${g.grantee ?? account};`).join('\n');
  const file = has('FILE').filter(global);
  if (file.length)
    warnings.push({
      code: 'role.server_files',
      message: "The account can read and write the server's files (LOAD_FILE, SELECT … INTO OUTFILE)",
      fix: revoke('FILE', file),
    });
  const process = has('PROCESS').filter(global);
  if (process.length)
    warnings.push({
      code: 'role.sees_other_sessions',
      message: "The account can read every session's running SQL on the server (PROCESS)",
      fix: revoke('PROCESS', process),
    });
  const connectionAdmin = grants.filter(
    (g) =>
      global(g) && (g.privileges.includes('CONNECTION ADMIN') || g.privileges.includes('CONNECTION_ADMIN')),
  );
  if (connectionAdmin.length)
    warnings.push({
      code: 'role.signals_other_sessions',
      message: "The account can end other accounts' queries and sessions (CONNECTION ADMIN)",
      fix: connectionAdmin
        .map((g) => {
          const name = g.privileges.includes('CONNECTION_ADMIN') ? 'CONNECTION_ADMIN' : 'CONNECTION ADMIN';
          return `REVOKE ${name} ON *.* FROM ${g.grantee ?? account};`;
        })
        .join('\n'),
    });
  const createUser = has('CREATE USER').filter(global);
  if (createUser.length)
    warnings.push({
      code: 'role.createrole',
      message: 'The account can create, change and drop other accounts',
      fix: revoke('CREATE USER', createUser),
    });
  const grantOption = grants.filter((g) => g.grantOption);
  if (grantOption.length)
    warnings.push({
      code: 'role.grants_privileges',
      message: 'The account can grant its privileges to other accounts (WITH GRANT OPTION)',
      fix: revoke('GRANT OPTION', grantOption),
    });
  const temp = has('CREATE TEMPORARY TABLES');
  if (temp.length)
    warnings.push({
      code: 'role.creates_temp_tables',
      message: 'The account can create temporary tables',
      fix: revoke('CREATE TEMPORARY TABLES', temp),
    });
  const writes = grants
    .map((g) => ({
      target: g.target,
      grantee: g.grantee,
      extra: g.privileges.filter((p) => !READ_PRIVILEGES.has(p) && !OWN_WARNING.has(p)),
    }))
    .filter((g) => g.extra.length > 0);
  if (writes.length)
    warnings.push({
      code: 'role.can_write',
      message:
        'The account can do more than read: it may change data or objects, or run routines (anything beyond SELECT and SHOW VIEW)',
      fix: writes
        .flatMap((g) =>
          g.extra.includes('ALL PRIVILEGES')
            ? [
                `REVOKE ALL PRIVILEGES ON ${g.target} FROM ${g.grantee ?? account};`,
                `GRANT SELECT, SHOW VIEW ON ${g.target} TO ${g.grantee ?? account};`,
              ]
            : [`REVOKE ${g.extra.join(', ')} ON ${g.target} FROM ${g.grantee ?? account};`],
        )
        .join('\n'),
    });
  return warnings;
}
