import { describe, expect, it } from 'vitest';
import { nearOf } from '../mysql/errors';
import { auditGrants, parseGrant } from '../mysql/role-audit';
import { cpuMs } from '../testing/cpu-time';

// An Editor may save a project MySQL connection to a server of their own and press Test: the
// runner signs in, reads `SHOW GRANTS` and any error message, all text that server chooses (up to a
// 16 MB packet). Parsing it must stay linear, or one test stalls the runner everyone's runs share.
const MB = 1024 * 1024;

describe("a MySQL server's own text written to stall the runner", () => {
  it.each([
    ['a column list that never closes', `GRANT SELECT${'('.repeat(MB)} ON *.* TO \`x\`@\`%\``],
    ['a WITH on every word', `GRANT SELECT ON *.* TO \`x\`@\`%\`${' WITH'.repeat(MB / 5)}`],
    ['many privileges each opening a list', `GRANT ${', SELECT ('.repeat(MB / 10)} ON *.* TO \`x\`@\`%\``],
  ])('reads a 1 MB grant line of %s at once', (_what, line) => {
    const used = cpuMs(() => auditGrants([line], 'x@%'));
    // The regular expressions took 1.8 s (column list) and 6.9 s (WITH) at 40 KB, growing as the square.
    expect(used).toBeLessThan(2_000);
  });

  it('reads a 1 MB syntax error message at once', () => {
    const used = cpuMs(() => expect(nearOf("near '".repeat(MB / 6))).toBeNull());
    expect(used).toBeLessThan(1_000);
  });

  it('still reads grants and syntax errors as before', () => {
    expect(
      parseGrant('GRANT SELECT (a, b), INSERT (c) ON `db`.`t` TO `u`@`%` WITH GRANT OPTION'),
    ).toMatchObject({
      privileges: ['SELECT', 'INSERT'],
      grantOption: true,
    });
    expect(parseGrant('GRANT SELECT ON *.* TO `u`@`%` WITH MAX_QUERIES_PER_HOUR 10')?.grantOption).toBe(
      false,
    );
    expect(parseGrant('GRANT SELECT ON *.* TO `u`@`%`')?.grantOption).toBe(false);
    const sql = 'select 1\nfrom orders wher x';
    expect(nearOf("You have an error in your SQL syntax; near 'wher x' at line 2", sql)).toEqual({
      position: 22,
      line: 2,
    });
    expect(nearOf("near '' at line 1", 'select')).toEqual({ position: 7, line: 1 });
    expect(nearOf("near ' at line 1")).toBeNull();
    expect(nearOf("near 'a' at line 3 and near 'b' at line 4")).toEqual({ position: null, line: 4 });
  });
});
