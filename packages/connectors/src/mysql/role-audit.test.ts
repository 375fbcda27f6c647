import { describe, expect, it } from 'vitest';
import { accountName, auditGrants, parseGrant } from './role-audit';

describe('parseGrant', () => {
  it('reads privileges (column grants too), the target and WITH GRANT OPTION, and nothing of a password', () => {
    expect(
      parseGrant(
        "GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket WITH GRANT OPTION",
      ),
    ).toEqual({ privileges: ['ALL PRIVILEGES'], target: '*.*', grantOption: true, grantee: null });
    expect(parseGrant('GRANT SELECT (a, b), INSERT (c), SHOW VIEW ON `shop`.`orders` TO `r`@`%`')).toEqual({
      privileges: ['SELECT', 'INSERT', 'SHOW VIEW'],
      target: '`shop`.`orders`',
      grantOption: false,
      grantee: null,
    });
    expect(parseGrant('GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `r`@`%`')?.target).toBe(
      'PROCEDURE `shop`.`p`',
    );
    expect(parseGrant("GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION")).toBeNull();
    expect(parseGrant('GRANT `analyst` TO `r`@`%`')).toBeNull();
  });
});

describe('auditGrants', () => {
  it('has no warning for an account that only reads', () => {
    expect(
      auditGrants(
        [
          "GRANT USAGE ON *.* TO `r`@`%` IDENTIFIED BY PASSWORD '*ABC'",
          'GRANT SELECT, SHOW VIEW ON `shop`.* TO `r`@`%`',
        ],
        'r@%',
      ),
    ).toEqual([]);
  });

  it('reports an administrator alone, and never repeats the password hash', () => {
    const warnings = auditGrants(
      ["GRANT ALL PRIVILEGES ON *.* TO `a`@`%` IDENTIFIED BY PASSWORD '*SECRETHASH'"],
      'a@%',
    );
    expect(warnings.map((w) => w.code)).toEqual(['role.superuser']);
    expect(JSON.stringify(warnings)).not.toContain('SECRETHASH');
  });

  it('gives each ability its warning and the REVOKE that takes it away', () => {
    const warnings = auditGrants(
      [
        'GRANT FILE, PROCESS, CONNECTION ADMIN, CREATE USER ON *.* TO `r`@`%`',
        'GRANT SELECT, INSERT, DELETE, CREATE TEMPORARY TABLES ON `shop`.* TO `r`@`%` WITH GRANT OPTION',
        'GRANT ALL PRIVILEGES ON `scratch`.* TO `r`@`%`',
      ],
      "r'x@%",
    );
    const byCode = Object.fromEntries(warnings.map((w) => [w.code, w.fix]));
    expect(byCode).toEqual({
      'role.server_files': "REVOKE FILE ON *.* FROM 'r''x'@'%';",
      'role.sees_other_sessions': "REVOKE PROCESS ON *.* FROM 'r''x'@'%';",
      'role.signals_other_sessions': "REVOKE CONNECTION ADMIN ON *.* FROM 'r''x'@'%';",
      'role.createrole': "REVOKE CREATE USER ON *.* FROM 'r''x'@'%';",
      'role.grants_privileges': "REVOKE GRANT OPTION ON `shop`.* FROM 'r''x'@'%';",
      'role.creates_temp_tables':
        "REVOKE CREATE TEMPORARY TABLES ON `shop`.* FROM 'r''x'@'%';\nREVOKE CREATE TEMPORARY TABLES ON `scratch`.* FROM 'r''x'@'%';",
      'role.can_write': [
        "REVOKE INSERT, DELETE ON `shop`.* FROM 'r''x'@'%';",
        "REVOKE ALL PRIVILEGES ON `scratch`.* FROM 'r''x'@'%';",
        "GRANT SELECT, SHOW VIEW ON `scratch`.* TO 'r''x'@'%';",
      ].join('\n'),
    });
  });

  it("revokes a role's privilege from the role (MariaDB lists the active role's grants)", () => {
    const warnings = auditGrants(
      [
        'GRANT `writer` TO `r`@`%`',
        'GRANT SELECT ON `shop`.* TO `r`@`%`',
        'GRANT INSERT ON `shop`.* TO `writer`',
      ],
      'r@%',
    );
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'role.can_write', fix: 'REVOKE INSERT ON `shop`.* FROM `writer`;' }),
    ]);
  });

  it('quotes the account as SQL wants it', () => {
    expect(accountName('root@localhost')).toBe("'root'@'localhost'");
    expect(accountName('we@ird@%')).toBe("'we@ird'@'%'");
  });
});
