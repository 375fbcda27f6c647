import type { QuarryError } from '@quarry/contracts';
import { invalidFieldOf } from '../../ui/quarry-error';

export type ProviderField = 'kind' | 'name' | 'issuer' | 'clientId' | 'clientSecret';

const FIELDS: ReadonlySet<string> = new Set<ProviderField>([
  'kind',
  'name',
  'issuer',
  'clientId',
  'clientSecret',
]);

/** Discovery answers about the issuer URL: wrong address, not https, or another issuer's metadata. */
const ISSUER_CODES: ReadonlySet<string> = new Set([
  'sso.discovery_failed',
  'sso.issuer_mismatch',
  'sso.insecure_issuer',
  'sso.provider_unreachable',
  'net.address_refused',
  'net.unresolvable',
  'net.request_failed',
]);

/** Which field of the add-provider form an error belongs next to; null for the form as a whole. */
export function providerFieldOf(error: QuarryError): ProviderField | null {
  const field = invalidFieldOf(error);
  if (field && FIELDS.has(field)) return field as ProviderField;
  if (ISSUER_CODES.has(error.code)) return 'issuer';
  return null;
}
