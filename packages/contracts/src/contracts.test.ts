import { describe, expect, it } from 'vitest';
import {
  CreateApiTokenInput,
  Password,
  parseRowBatch,
  QuarryError,
  RUN_ROW_LIMIT_DEFAULT,
  RUN_ROW_LIMIT_MAX,
  RunEvent,
  RunExecuteJob,
  SignInInput,
  StartRunInput,
} from './index';

describe('the shared contracts', () => {
  it('normalises a sign-in email to lower case without surrounding spaces', () => {
    expect(SignInInput.parse({ email: '  Ada@Example.COM ', password: 'x' }).email).toBe('ada@example.com');
  });

  it('refuses an email that is not one, with a message that says what to enter', () => {
    const parsed = SignInInput.safeParse({ email: 'ada', password: 'x' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain('ada@example.com');
  });

  it('holds passwords to 8–256 characters (AUTH-6)', () => {
    expect(Password.safeParse('1234567').success).toBe(false);
    expect(Password.safeParse('12345678').success).toBe(true);
    expect(Password.safeParse('x'.repeat(256)).success).toBe(true);
    expect(Password.safeParse('x'.repeat(257)).success).toBe(false);
  });

  it('gives a run the default row limit and refuses one beyond the maximum', () => {
    const base = { projectId: 'prj_a', cellId: 'cel_a', source: 'select 1' };
    expect(StartRunInput.parse(base).rowLimit).toBe(RUN_ROW_LIMIT_DEFAULT);
    expect(StartRunInput.safeParse({ ...base, rowLimit: RUN_ROW_LIMIT_MAX + 1 }).success).toBe(false);
    expect(StartRunInput.safeParse({ ...base, source: '' }).error?.issues[0]?.message).toBe(
      'Write a query first',
    );
  });

  it('refuses ids of the wrong kind', () => {
    expect(StartRunInput.safeParse({ projectId: 'cel_a', cellId: 'cel_a', source: 'x' }).success).toBe(false);
    expect(RunExecuteJob.safeParse({ runId: 'run_a', workspaceId: 'prj_a' }).success).toBe(false);
  });

  it('expires API tokens after 90 days by default and never later than a year', () => {
    expect(CreateApiTokenInput.parse({ name: 'ci' }).expiresInDays).toBe(90);
    expect(CreateApiTokenInput.safeParse({ name: 'ci', expiresInDays: 366 }).success).toBe(false);
    expect(CreateApiTokenInput.safeParse({ name: '   ' }).success).toBe(false);
  });

  it('accepts error codes only in the domain.snake_case form', () => {
    expect(QuarryError.safeParse({ code: 'sql.syntax_error', message: 'm' }).success).toBe(true);
    expect(QuarryError.safeParse({ code: 'SyntaxError', message: 'm' }).success).toBe(false);
  });

  it('tells run events apart by type and refuses an unknown one', () => {
    expect(
      RunEvent.parse({ type: 'rows', batch: '[[1,"a",null,true]]', batchRows: 1, rowCount: 1 }).type,
    ).toBe('rows');
    expect(RunEvent.safeParse({ type: 'row', batch: '[]' }).success).toBe(false);
    expect(RunEvent.safeParse({ type: 'rows', batch: [[1]], batchRows: 1, rowCount: 1 }).success).toBe(false);
  });

  it('reads a row batch and refuses text that is not a batch', () => {
    expect(parseRowBatch('[[1,"a",null,true],["2","b",false,null]]')).toEqual([
      [1, 'a', null, true],
      ['2', 'b', false, null],
    ]);
    expect(() => parseRowBatch('{"rows":[]}')).toThrow('not an array');
  });
});
