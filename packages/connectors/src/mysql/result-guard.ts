import { ResultLimitError, type ResultLimits } from '../postgres/result-guard';

const HEADER_BYTES = 4;
/** A payload of exactly 2^24 - 1 bytes says the next packet continues it (one logical packet). */
const CONTINUED = 0xffffff;

/**
 * Watches the server's MySQL packets as bytes arrive (plaintext: attached after the handshake, to
 * the TLS socket when there is one) and trips as soon as one row or the whole result passes its
 * limit. mysql2 assembles a whole packet, and a row over 16 MB from several, before it hands a row
 * over, so a huge value would otherwise sit in this process in full before any check saw it.
 *
 * Only packet framing is read (3-byte length, 1-byte sequence). A text-protocol row is one logical
 * packet, so the value limit is enforced on a row's packet: a row larger than the limit for one
 * value trips it even when no single value of it does (the conservative side). The result limit
 * counts every byte received after `arm`, framing included.
 */
export function createMysqlResultGuard(limits: ResultLimits, trip: (error: ResultLimitError) => void) {
  const header = Buffer.alloc(HEADER_BYTES);
  let have = 0;
  let bodyLeft = 0;
  let logical = 0;
  let armed = false;
  let resultBytes = 0;
  let tripped: ResultLimitError | null = null;

  const fail = (error: ResultLimitError) => {
    tripped = error;
    trip(error);
  };

  function onData(chunk: Buffer): void {
    if (armed) {
      resultBytes += chunk.length;
      if (resultBytes > limits.maxResultBytes && !tripped) {
        fail(new ResultLimitError('result', limits.maxResultBytes));
        return;
      }
    }
    let i = 0;
    while (i < chunk.length && !tripped) {
      if (bodyLeft > 0) {
        const take = Math.min(bodyLeft, chunk.length - i);
        bodyLeft -= take;
        i += take;
        continue;
      }
      const take = Math.min(HEADER_BYTES - have, chunk.length - i);
      chunk.copy(header, have, i, i + take);
      have += take;
      i += take;
      if (have < HEADER_BYTES) return;
      have = 0;
      const length = header.readUIntLE(0, 3);
      logical += length;
      // Checked at the header, before the body arrives.
      if (armed && logical > limits.maxValueBytes) {
        fail(new ResultLimitError('value', limits.maxValueBytes));
        return;
      }
      if (length !== CONTINUED) logical = 0;
      bodyLeft = length;
    }
  }

  return {
    onData,
    /** Starts counting: called just before the user's statement is sent (what came before is ours). */
    arm: () => {
      armed = true;
    },
    tripped: (): ResultLimitError | null => tripped,
  };
}
