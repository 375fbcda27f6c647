import { describe, expect, it } from 'vitest';
import type { ResultLimitError } from '../postgres/result-guard';
import { createMysqlResultGuard } from './result-guard';

const packet = (length: number, sequence = 0) => {
  const header = Buffer.alloc(4);
  header.writeUIntLE(length, 0, 3);
  header[3] = sequence;
  return Buffer.concat([header, Buffer.alloc(length, 0x61)]);
};

function guarded(maxValueBytes: number, maxResultBytes: number) {
  const trips: ResultLimitError[] = [];
  const guard = createMysqlResultGuard({ maxValueBytes, maxResultBytes }, (error) => trips.push(error));
  guard.arm();
  return { guard, trips };
}

describe('createMysqlResultGuard', () => {
  it('lets packets under the limits through, however the bytes are split', () => {
    const { guard, trips } = guarded(1000, 100_000);
    const bytes = Buffer.concat([packet(10), packet(999), packet(0), packet(500)]);
    for (let i = 0; i < bytes.length; i += 7) guard.onData(bytes.subarray(i, i + 7));
    expect(trips).toEqual([]);
  });

  it('trips at the header of a row over the value limit, before its body arrives', () => {
    const { guard, trips } = guarded(1000, 100_000);
    guard.onData(packet(1001).subarray(0, 4));
    expect(trips.map((t) => t.limit)).toEqual(['value']);
  });

  it('adds up the packets of one row over 16 MB (a payload of 2^24 - 1 continues in the next)', () => {
    const { guard, trips } = guarded(20_000_000, 100_000_000);
    guard.onData(packet(0xffffff));
    expect(trips).toEqual([]);
    // The next packet's header makes the row 16 MB + 4 MB: over 20 MB before its body is read.
    const next = Buffer.alloc(4);
    next.writeUIntLE(4_000_000, 0, 3);
    guard.onData(next);
    expect(trips.map((t) => t.limit)).toEqual(['value']);
  });

  it('trips when the whole result passes its limit', () => {
    const { guard, trips } = guarded(1000, 5000);
    for (let i = 0; i < 10 && trips.length === 0; i += 1) guard.onData(packet(900, i));
    expect(trips.map((t) => t.limit)).toEqual(['result']);
  });

  it('counts nothing before it is armed (the session setup is ours)', () => {
    const trips: ResultLimitError[] = [];
    const guard = createMysqlResultGuard({ maxValueBytes: 10, maxResultBytes: 10 }, (e) => trips.push(e));
    guard.onData(packet(100));
    expect(trips).toEqual([]);
  });
});
