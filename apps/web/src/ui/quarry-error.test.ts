import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { invalidFieldOf, isTransient, quarryErrorOf, UNREACHABLE } from './quarry-error';

const signedOut = { code: 'auth.signed_out', message: 'You are signed out', hint: 'Sign in again' };

const clientError = (init: { data?: unknown; meta?: Record<string, unknown> }) => {
  const error = new TRPCClientError<never>('raw server text', { meta: init.meta });
  Object.assign(error, { data: init.data });
  return error;
};

describe('quarryErrorOf', () => {
  it('reads the typed error the server puts in data.quarry', () => {
    expect(quarryErrorOf(clientError({ data: { quarry: signedOut }, meta: { response: {} } }))).toEqual(
      signedOut,
    );
  });

  it('reads a typed error sent outside tRPC, such as the origin check', () => {
    const body = { error: { code: 'auth.bad_origin', message: 'Not from Quarry', hint: 'Reload Quarry' } };
    expect(quarryErrorOf(clientError({ meta: { response: {}, responseJSON: body } })).code).toBe(
      'auth.bad_origin',
    );
  });

  it('never shows the raw message of an error it cannot read', () => {
    const error = quarryErrorOf(clientError({ meta: { response: {} } }));
    expect(error.message).not.toContain('raw server text');
    expect(error.code).toBe('client.unexpected_response');
  });

  it('calls a failed fetch unreachable', () => {
    expect(quarryErrorOf(new TypeError('fetch failed'))).toEqual(UNREACHABLE);
  });

  it('retries only what may pass the second time', () => {
    expect(isTransient(new TypeError('fetch failed'))).toBe(true);
    expect(isTransient(clientError({ data: { quarry: signedOut } }))).toBe(false);
  });

  it('finds the field a validation error points at', () => {
    expect(invalidFieldOf({ code: 'input.invalid', message: 'Name it', details: { path: 'name' } })).toBe(
      'name',
    );
    expect(
      invalidFieldOf({ code: 'auth.invalid_credentials', message: 'No', details: { path: 'email' } }),
    ).toBeNull();
  });
});
