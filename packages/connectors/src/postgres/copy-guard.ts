import { ResultLimitError, type ResultLimits } from './result-guard';

const COPY_DATA = 0x64; // 'd'
const TAB = 0x09;

type Phase = 'header' | 'skip' | 'payload' | 'scan';

/**
 * The result guard of a `COPY … TO STDOUT` (copy-stream.ts): it watches the server's messages as
 * bytes arrive, before the driver buffers them, like createResultGuard does for DataRow messages,
 * and trips as soon as the rows' text passes the run's byte limit, or one value passes the value
 * limit. A CopyData message is one row of COPY text (values separated by tabs, ended by a newline);
 * only a message longer than the value limit is scanned value by value, as its bytes arrive, so the
 * common row costs a 5-byte header read. A value's COPY text is its text with backslash escapes,
 * so a value within a few bytes of the limit may trip here where the row path would not.
 */
export function createCopyGuard(limits: ResultLimits, trip: (error: ResultLimitError) => void) {
  let phase: Phase = 'header';
  const scratch = Buffer.alloc(5);
  let have = 0;
  let left = 0;
  let valueBytes = 0;
  let resultBytes = 0;
  let tripped: ResultLimitError | null = null;

  const fail = (error: ResultLimitError) => {
    tripped = error;
    trip(error);
  };

  function onData(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !tripped) {
      if (phase === 'header') {
        const take = Math.min(5 - have, chunk.length - i);
        chunk.copy(scratch, have, i, i + take);
        have += take;
        i += take;
        if (have < 5) return;
        have = 0;
        left = scratch.readUInt32BE(1) - 4;
        if (scratch[0] !== COPY_DATA) {
          phase = left > 0 ? 'skip' : 'header';
          continue;
        }
        valueBytes = 0;
        phase = left > limits.maxValueBytes ? 'scan' : left > 0 ? 'payload' : 'header';
        continue;
      }
      const end = Math.min(chunk.length, i + left);
      // Counted as the bytes arrive: a row longer than the value limit is scanned first, so one
      // huge value is reported as that, not as a result too large.
      if (phase !== 'skip') resultBytes += end - i;
      if (phase === 'scan') {
        // Each value's length is the run of bytes between tabs (the row's newline counts as one
        // byte of its last value).
        const part = chunk.subarray(i, end);
        let at = 0;
        while (at < part.length) {
          const tab = part.indexOf(TAB, at);
          const stop = tab === -1 ? part.length : tab;
          valueBytes += stop - at;
          if (valueBytes > limits.maxValueBytes) {
            fail(new ResultLimitError('value', limits.maxValueBytes));
            return;
          }
          if (tab !== -1) valueBytes = 0;
          at = stop + 1;
        }
      }
      if (resultBytes > limits.maxResultBytes) {
        fail(new ResultLimitError('result', limits.maxResultBytes));
        return;
      }
      left -= end - i;
      i = end;
      if (left === 0) phase = 'header';
    }
  }

  return { onData, tripped: (): ResultLimitError | null => tripped };
}
