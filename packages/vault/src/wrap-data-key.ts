import { gcmEncrypt } from './aes-gcm';
import type { Kek } from './kek';
import { encodeKeyHeader, encodeKeySection, wrapAad } from './record-layout';

/**
 * Encrypts a record's data key under a KEK and returns the record's key section (version, KEK id,
 * wrap IV, wrapped key, wrap tag). The wrap's AAD is the key header plus the context bytes.
 */
export const wrapDataKey = (input: { kek: Kek; dataKey: Buffer; contextBytes: Buffer }): Buffer => {
  const keyHeader = encodeKeyHeader(input.kek.id);
  const wrap = gcmEncrypt({
    key: input.kek.key,
    plaintext: input.dataKey,
    aad: wrapAad(keyHeader, input.contextBytes),
  });
  return encodeKeySection(keyHeader, wrap);
};
