import { describe, expect, it } from 'vitest';
import { providerFieldOf } from './provider-field-error';

const error = (code: string, path?: string) => ({
  code,
  message: 'm',
  hint: 'h',
  ...(path === undefined ? {} : { details: { path } }),
});

describe('providerFieldOf', () => {
  it.each([
    { code: 'input.invalid', path: 'issuer', field: 'issuer' },
    { code: 'input.invalid', path: 'clientSecret', field: 'clientSecret' },
    { code: 'input.invalid', path: 'name', field: 'name' },
    { code: 'input.invalid', path: 'somethingElse', field: null },
    { code: 'sso.discovery_failed', field: 'issuer' },
    { code: 'sso.issuer_mismatch', field: 'issuer' },
    { code: 'sso.insecure_issuer', field: 'issuer' },
    { code: 'net.address_refused', field: 'issuer' },
    { code: 'auth.forbidden', field: null },
  ])('puts $code ($path) next to $field', ({ code, path, field }) => {
    expect(providerFieldOf(error(code, path))).toBe(field);
  });
});
