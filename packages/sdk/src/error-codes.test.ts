import { describe, expect, expectTypeOf, it } from 'vitest';
import { QuarryClientError } from './client';
import type { QuarryErrorCode, RunErrorCode } from './index';

/** What a program does with a failure: switch on the typed code, never on the message text. */
function nextStep(error: QuarryClientError): string {
  switch (error.code) {
    case 'auth.signed_out':
      return 'create a new API token';
    case 'runs.too_many_active':
      return 'wait for a run to finish';
    case 'not_found.project':
      return 'check the project id';
    default:
      return error.hint ?? error.message;
  }
}

describe('error codes in the SDK', () => {
  it('lets a program switch on QuarryClientError.code', () => {
    const error = new QuarryClientError({ code: 'runs.too_many_active', message: 'Too many runs' });
    expect(nextStep(error)).toBe('wait for a run to finish');
    expect(
      nextStep(new QuarryClientError({ code: 'sql.timeout', message: 'Timed out', hint: 'Add a limit' })),
    ).toBe('Add a limit');
  });

  it('types the codes as contracts’ unions (checked by tsc)', () => {
    expectTypeOf<'run.cancelled'>().toExtend<RunErrorCode>();
    expectTypeOf<RunErrorCode>().toExtend<QuarryErrorCode>();
    expectTypeOf<'auth.no_such_code'>().not.toExtend<QuarryErrorCode>();
    expectTypeOf<QuarryErrorCode>().toExtend<QuarryClientError['code']>();
  });
});
