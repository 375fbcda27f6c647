export {
  type AllowList,
  EMPTY_ALLOW_LIST,
  LOOPBACK_ALLOW_LIST,
  normalizeHost,
  parseAllowList,
} from './allow-list';
export { type CheckedResponse, type FetchFailed, fetchChecked, lookupFrom } from './fetch-checked';
export { REFUSED_NAMES, REFUSED_RANGES } from './refused-ranges';
export {
  type AddressRefused,
  type CheckedAddress,
  isAddressAllowed,
  resolveAndCheckHost,
} from './resolve-and-check-host';
