import { describe, expect, it } from 'vitest';
import { errorForLog } from './error-for-log';

describe('errorForLog', () => {
  it('keeps a failed query’s text and codes but never its bound values, in the error or its causes', () => {
    const cause = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      code: '22021',
      severity: 'ERROR',
      parameters: ['ada@example.test', '$argon2id$v=19$secret-hash'],
    });
    const failed = new Error(
      'Failed query: insert into "users" ("email", "password_hash") values ($1, $2)\nparams: ada@example.test,$argon2id$v=19$secret-hash',
      { cause },
    );

    const logged = errorForLog(failed);

    const text = JSON.stringify(logged);
    expect(text).not.toContain('ada@example.test');
    expect(text).not.toContain('argon2id');
    expect(logged).toMatchObject({
      type: 'Error',
      message:
        'Failed query: insert into "users" ("email", "password_hash") values ($1, $2)\nparams: [redacted]',
      cause: { code: '22021', severity: 'ERROR' },
    });
  });

  it('describes a thrown non-error without its text growing without end', () => {
    expect(errorForLog('x'.repeat(10_000))).toEqual({ message: 'x'.repeat(2_000) });
  });
});
