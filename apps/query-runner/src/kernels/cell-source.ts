/**
 * The script one JS cell runs as, inside its own context of the run's isolate. The user's code is
 * the body of an async function of `(inputs, secrets)`, with each input whose name is a plain
 * identifier also bound by name. Everything that touches the cell's value — awaiting it, reading
 * its rows, `toJSON`, getters, proxies — happens here, in the isolate, and what leaves is one JSON
 * string the host validates (KRN-3): no host function, Reference or ExternalCopy is ever in reach.
 */

/** The file name stack frames carry for the cell, so a line and column can be read back. */
export const CELL_FILENAME = 'cell.js';

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false ' +
    'finally for function if implements import in instanceof interface let new null package private ' +
    'protected public return static super switch this throw true try typeof var void while with yield ' +
    'await async arguments eval undefined NaN Infinity inputs secrets'
  ).split(' '),
);

/** Inputs bound by name in the cell: plain identifiers that shadow nothing the cell relies on. */
export function bindableInputNames(names: readonly string[]): string[] {
  return names.filter(
    (n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) && !RESERVED.has(n) && !n.startsWith('__quarry'),
  );
}

/**
 * The source handed to `context.evalClosure` with `$0` = the inputs as JSON text, `$1` = the
 * secrets as JSON text or null, `$2` = the largest result in characters. Compiled with
 * `lineOffset: -1`, so the cell's first line is line 1 in errors. The runtime sits after the body:
 * its function declarations are hoisted, and a fresh context per cell means the intrinsics it
 * captures are pristine when it starts.
 */
export function cellSource(body: string, inputNames: readonly string[]): string {
  const names = bindableInputNames(inputNames);
  const bind = names.length ? ` const { ${names.join(', ')} } = inputs;` : '';
  return `const __quarryCell = async function (inputs, secrets) {${bind}\n${body}\n};\nreturn __quarryRun(__quarryCell, $0, $1, $2);\n${RUNTIME}`;
}

/** Lines of the user's body, to tell its frames from the runtime's. */
export function bodyLineCount(body: string): number {
  return body.split('\n').length;
}

// Runs in the isolate. Plain ES2022, no references to anything outside the isolate.
const RUNTIME = `
function __quarryRun(cell, inputsJson, secretsJson, maxChars) {
  const G = globalThis;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const isArray = Array.isArray;
  const freeze = Object.freeze;
  const keysOf = Object.keys;
  const StringOf = String;
  const ErrorClass = Error;
  const SetClass = Set;
  const exec = RegExp.prototype.exec;
  const call = Function.prototype.call;
  const LOG_ENTRIES = 100;
  const LOG_CHARS = 1000;
  const logs = [];

  // Nothing here reaches outside the isolate, but these widen what a cell can do to the process
  // (shared memory that blocks a thread, wasm memory that grows outside the heap limit).
  delete G.WebAssembly;
  delete G.SharedArrayBuffer;
  delete G.Atomics;
  const show = (v) => {
    if (typeof v === 'string') return v;
    try { const s = stringify(v); return s === undefined ? StringOf(v) : s; } catch { return StringOf(v); }
  };
  const record = (...args) => {
    if (logs.length >= LOG_ENTRIES) return;
    let line = '';
    for (let i = 0; i < args.length; i++) line += (i ? ' ' : '') + show(args[i]);
    logs.push(line.length > LOG_CHARS ? line.slice(0, LOG_CHARS) + '…' : line);
  };
  G.console = freeze({ log: record, info: record, warn: record, error: record, debug: record });

  const inputs = parse(inputsJson);
  const secrets = freeze(secretsJson === null ? {} : parse(secretsJson));

  const failure = (code, message, extra) => stringify({ ok: false, code, message, ...extra });

  const describeError = (e) => {
    let name = null;
    let message = 'The cell threw a value that is not an Error';
    let line = null;
    let column = null;
    try {
      if (e instanceof ErrorClass) {
        name = StringOf(e.name);
        message = StringOf(e.message);
        const at = call.call(exec, /cell\\.js:(\\d+):(\\d+)/, StringOf(e.stack));
        if (at) { line = +at[1]; column = +at[2]; }
      } else {
        message = 'The cell threw: ' + show(e);
      }
    } catch {
      message = 'The cell threw a value that could not be read';
    }
    return failure('error', StringOf(message).slice(0, 2000), { name, line, column });
  };

  const isRecord = (v) => v !== null && typeof v === 'object' && !isArray(v);
  const isInteger = Number.isInteger;
  const dateTime = Date.prototype.getTime;

  // What each column holds, read from the JS values before JSON hides them (a bigint becomes text,
  // a Date its ISO text): the host types the result's columns by it, after checking the values.
  const kindOf = (v) => {
    const t = typeof v;
    if (t === 'number') return isInteger(v) ? 'integer' : 'float';
    if (t === 'string' || t === 'boolean' || t === 'bigint') return t;
    try { call.call(dateTime, v); return 'date'; } catch {}
    return 'json';
  };
  const columnTypes = (width, rows) => {
    const seen = new Array(width);
    for (let j = 0; j < width; j++) seen[j] = new SetClass();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (!isArray(r)) continue;
      for (let j = 0; j < width && j < r.length; j++) {
        const v = r[j];
        if (v !== null && v !== undefined) seen[j].add(kindOf(v));
      }
    }
    const types = new Array(width);
    for (let j = 0; j < width; j++) {
      const k = seen[j];
      const n = k.size;
      const int = k.has('integer') ? 1 : 0;
      types[j] = n === 0 ? 'null'
        : n === int ? 'integer'
        : k.has('bigint') && n === int + 1 ? 'bigint'
        : k.has('float') && n === int + 1 ? 'float'
        : n > 1 ? 'mixed'
        : k.has('string') ? 'text' : k.has('date') ? 'date' : k.has('boolean') ? 'boolean' : 'json';
    }
    return types;
  };

  // A table is an array of objects or { columns, rows }; anything else is a value.
  const shape = (value) => {
    if (isArray(value) && value.length > 0) {
      let allRecords = true;
      for (let i = 0; i < value.length; i++) if (!isRecord(value[i])) { allRecords = false; break; }
      if (allRecords) {
        const seen = new SetClass();
        const columns = [];
        for (let i = 0; i < value.length; i++) {
          const ks = keysOf(value[i]);
          for (let j = 0; j < ks.length; j++) if (!seen.has(ks[j])) { seen.add(ks[j]); columns.push(ks[j]); }
        }
        const rows = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const r = value[i];
          const out = new Array(columns.length);
          for (let j = 0; j < columns.length; j++) { const v = r[columns[j]]; out[j] = v === undefined ? null : v; }
          rows[i] = out;
        }
        return { kind: 'table', columns, rows, types: columnTypes(columns.length, rows) };
      }
    }
    if (isRecord(value) && isArray(value.columns) && isArray(value.rows) && keysOf(value).length === 2) {
      const { columns, rows } = value;
      return { kind: 'table', columns, rows, types: columnTypes(columns.length, rows) };
    }
    return { kind: 'value', value: value === undefined ? null : value };
  };

  const bigintAsText = (_key, v) => (typeof v === 'bigint' ? StringOf(v) : v);

  return (async () => {
    let value;
    try {
      value = await cell(inputs, secrets);
    } catch (e) {
      return describeError(e);
    }
    if (typeof value === 'function' || typeof value === 'symbol') {
      return failure('invalid_result', 'The cell returned a ' + typeof value + ', which is not data');
    }
    let text;
    try {
      text = stringify({ ok: true, result: shape(value), logs }, bigintAsText);
    } catch (e) {
      let why = 'it could not be serialised';
      try { why = StringOf(e && e.message); } catch {}
      return failure('invalid_result', 'The cell returned a value that cannot be turned into JSON: ' + why.slice(0, 500));
    }
    if (typeof text !== 'string') return failure('invalid_result', 'The cell returned a value that cannot be turned into JSON');
    if (text.length > maxChars) return failure('result_too_large', 'The result is larger than the cap', { chars: text.length });
    return text;
  })();
}
`;
