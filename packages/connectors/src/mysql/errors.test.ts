import { describe, expect, it } from 'vitest';
import { nearOf, toConnectorError } from './errors';

const context = { timeoutMs: 5000, cancelled: false };

describe('toConnectorError', () => {
  it('names the server errors a reader can act on, with the driver text only in internal', () => {
    const denied = toConnectorError(
      {
        errno: 1045,
        sqlState: '28000',
        sqlMessage: "Access denied for user 'r'@'10.0.0.7' (using password: YES)",
      },
      context,
    );
    expect(denied).toMatchObject({ code: 'connector.auth_failed', kind: 'system' });
    expect(denied.message).not.toContain('10.0.0.7');
    expect(
      toConnectorError({ errno: 1049, sqlState: '42000', sqlMessage: "Unknown database 'x'" }, context).code,
    ).toBe('connector.database_not_found');
    expect(toConnectorError({ code: 'HANDSHAKE_NO_SSL_SUPPORT', message: 'no ssl' }, context).code).toBe(
      'connector.tls_unavailable',
    );
    expect(
      toConnectorError({ errno: 1969, sqlState: '70100', sqlMessage: 'max_statement_time' }, context).code,
    ).toBe('sql.timeout');
    expect(
      toConnectorError({ errno: 3024, sqlState: 'HY000', sqlMessage: 'max_execution_time' }, context).code,
    ).toBe('sql.timeout');
    expect(
      toConnectorError({ errno: 1317, sqlState: '70100', sqlMessage: 'interrupted' }, context),
    ).toMatchObject({
      code: 'run.cancelled',
      details: { by: 'server' },
    });
    expect(
      toConnectorError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.7:3306' }, context),
    ).toMatchObject({
      code: 'connector.unreachable',
      internal: 'connect ECONNREFUSED 10.0.0.7:3306',
    });
    const unknown = toConnectorError({ code: 'EWHATEVER', message: 'socket 10.0.0.7:3306 broke' }, context);
    expect(unknown.code).toBe('connector.failed');
    expect(unknown.message).not.toContain('10.0.0.7');
  });

  it('says cancelled when the reader cancelled, whatever the server said after', () => {
    expect(toConnectorError({ errno: 1317 }, { ...context, cancelled: true }).code).toBe('run.cancelled');
  });
});

describe('nearOf', () => {
  it("finds the 1-based position of the server's `near '…'` on its line", () => {
    const sql = 'SELECT 1\nFROM t\nWHERE x = = 2';
    expect(
      nearOf("You have an error in your SQL syntax; check the manual … near '= 2' at line 3", sql),
    ).toEqual({
      position: sql.indexOf('= 2') + 1,
      line: 3,
    });
    expect(nearOf("… to use near '' at line 1", 'SELECT 1 FROM')).toEqual({ position: 14, line: 1 });
    expect(nearOf('Table does not exist', 'SELECT 1')).toBeNull();
  });
});
