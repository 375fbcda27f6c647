import { gcmDecrypt } from './aes-gcm';
import { DATA_KEY_BYTES, type SealedRecord, wrapAad } from './record-layout';

/**
 * The record's data key, or undefined when the wrap does not verify under this KEK and context.
 * The caller zeroes the returned key when done with it.
 */
export const unwrapDataKey = (input: {
  kekKey: Buffer;
  record: SealedRecord;
  contextBytes: Buffer;
}): Buffer | undefined => {
  const dataKey = gcmDecrypt({
    key: input.kekKey,
    sealed: input.record.wrap,
    aad: wrapAad(input.record.keyHeader, input.contextBytes),
  });
  if (dataKey === undefined) return undefined;
  if (dataKey.length !== DATA_KEY_BYTES) {
    dataKey.fill(0);
    return undefined;
  }
  return dataKey;
};
