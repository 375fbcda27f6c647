/** Byte limits on what one run may receive from the warehouse. */
export type ResultLimits = {
  /** The largest single value (one column of one row), in bytes on the wire. */
  maxValueBytes: number;
  /** The most row data one run may receive in total, in bytes on the wire. */
  maxResultBytes: number;
};

/** Thrown into the driver when a limit is crossed: the connection is destroyed with it. */
export class ResultLimitError extends Error {
  readonly limit: 'value' | 'result';
  readonly limitBytes: number;
  constructor(limit: 'value' | 'result', limitBytes: number) {
    super(limit === 'value' ? 'a value exceeded the value limit' : 'the result exceeded the result limit');
    this.name = 'ResultLimitError';
    this.limit = limit;
    this.limitBytes = limitBytes;
  }
}

const DATA_ROW = 0x44; // 'D'

type Phase = 'header' | 'skip' | 'columnCount' | 'valueLength' | 'value';

/**
 * Watches the server's messages as bytes arrive, before the driver buffers them, and trips as soon
 * as one value or the whole result passes its limit. The driver (postgres.js) assembles a whole
 * message before it hands over a row, so `select repeat('x', 300000000)` would otherwise sit in
 * this process in full, twice (bytes, then string), before any check could see it. Only message
 * framing is parsed: a 5-byte header, and for a DataRow its column count and each column's length.
 */
export function createResultGuard(limits: ResultLimits, trip: (error: ResultLimitError) => void) {
  let phase: Phase = 'header';
  const scratch = Buffer.alloc(5);
  let have = 0;
  let need = 5;
  let skipLeft = 0;
  let messageLeft = 0;
  let columnsLeft = 0;
  let resultBytes = 0;
  let tripped: ResultLimitError | null = null;

  const fail = (error: ResultLimitError) => {
    tripped = error;
    trip(error);
  };
  const collect = (phaseNext: Phase, bytes: number) => {
    phase = phaseNext;
    need = bytes;
    have = 0;
  };
  const afterColumn = () => {
    if (columnsLeft > 0) collect('valueLength', 4);
    else if (messageLeft > 0) {
      phase = 'skip';
      skipLeft = messageLeft;
    } else collect('header', 5);
  };

  function onData(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !tripped) {
      if (phase === 'skip' || phase === 'value') {
        const take = Math.min(skipLeft, chunk.length - i);
        i += take;
        skipLeft -= take;
        messageLeft -= take;
        if (skipLeft > 0) return;
        if (phase === 'value') afterColumn();
        else collect('header', 5);
        continue;
      }
      const take = Math.min(need - have, chunk.length - i);
      chunk.copy(scratch, have, i, i + take);
      have += take;
      i += take;
      if (have < need) return;
      if (phase === 'header') {
        const type = scratch[0];
        const length = scratch.readUInt32BE(1);
        messageLeft = length - 4;
        if (type === DATA_ROW) {
          resultBytes += 5 + 2;
          collect('columnCount', 2);
        } else if (messageLeft > 0) {
          phase = 'skip';
          skipLeft = messageLeft;
        } else collect('header', 5);
      } else if (phase === 'columnCount') {
        columnsLeft = scratch.readUInt16BE(0);
        messageLeft -= 2;
        afterColumn();
      } else {
        const length = scratch.readInt32BE(0);
        messageLeft -= 4;
        columnsLeft -= 1;
        // Checked at each value's length, before its bytes arrive: the value limit first, so
        // one huge value is reported as that, not as a result too large.
        resultBytes += 4 + Math.max(length, 0);
        if (length > limits.maxValueBytes) {
          fail(new ResultLimitError('value', limits.maxValueBytes));
          return;
        }
        if (resultBytes > limits.maxResultBytes) {
          fail(new ResultLimitError('result', limits.maxResultBytes));
          return;
        }
        if (length > 0) {
          phase = 'value';
          skipLeft = length;
        } else afterColumn();
      }
    }
  }

  return { onData, tripped: (): ResultLimitError | null => tripped };
}
