const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Text for the scan from any value a procedure returned, an error it threw or fields a logger got:
 * JSON, with errors spelled out (message, own fields such as code, cause), bytes decoded as UTF-8
 * (a plaintext in a Buffer is still a leak), Maps and Sets as their entries, bigints as digits. An
 * object met twice is written once (cycles cannot loop).
 */
export function textForScan(value: unknown): string {
  if (typeof value === 'string') return value;
  const seen = new WeakSet<object>();
  function replacer(this: unknown, key: string, converted: unknown): unknown {
    // The holder's own value, before any toJSON (Buffer#toJSON would hide the bytes as numbers).
    const raw = key === '' ? value : (this as Record<string, unknown>)[key];
    if (typeof raw === 'bigint') return raw.toString();
    if (raw instanceof Uint8Array) return utf8.decode(raw);
    if (raw instanceof ArrayBuffer) return utf8.decode(new Uint8Array(raw));
    if (converted === null || typeof converted !== 'object') return converted;
    if (seen.has(converted)) return '[seen]';
    seen.add(converted);
    if (converted instanceof Error) {
      return { ...converted, name: converted.name, message: converted.message, cause: converted.cause };
    }
    if (converted instanceof Map) return Object.fromEntries(converted);
    if (converted instanceof Set) return [...converted];
    return converted;
  }
  try {
    return JSON.stringify(value, replacer) ?? String(value);
  } catch {
    return String(value);
  }
}
