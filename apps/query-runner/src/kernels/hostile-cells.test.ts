import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelErrorCode } from './kernel-errors';
import type { KernelPool } from './kernel-pool';
import {
  expectNeighbourServed,
  expectRecovered,
  longestStall,
  MAX_HOST_CPU_MS,
  MAX_STALL_MS,
  runOnce,
  startTestPool,
} from './testing/pool-harness';

// Real kernel processes, real isolates: each hostile cell must end in a typed error while a
// well-behaved run on the same pool completes correctly and this process keeps serving (KRN-1..5).
let pool: KernelPool;
const HOSTILE = { limits: { wallMs: 3000 } };
beforeAll(() => {
  ({ pool } = startTestPool({
    size: 2,
    // The pool's wall limit leaves the neighbour run room on a loaded machine; each hostile cell
    // runs under a 3 s wall limit of its own (a run may lower a limit, never raise it).
    limits: { memoryMb: 64, cpuMs: 1000, wallMs: 20_000, maxResultBytes: 1024 * 1024 },
    hostHeapMb: 256,
    hostRssMb: 512,
  }));
});
afterAll(() => pool.close());

type Case = [name: string, code: string, expected: KernelErrorCode[]];

const LOOPS: Case[] = [
  ['an endless synchronous loop', 'while (true) {}', ['kernel.timeout']],
  ['an endless loop in a promise callback', 'await null; while (true) {}', ['kernel.timeout']],
  [
    'an endless microtask chain',
    'const spin = () => Promise.resolve().then(spin); spin(); await new Promise(() => {});',
    // Each turn allocates a promise: under load the heap limit may end it before the deadline.
    ['kernel.timeout', 'kernel.out_of_memory'],
  ],
  ['a promise that never settles', 'await new Promise(() => {});', ['kernel.timeout']],
  [
    'a loop in a then callback after the cell returned',
    'Promise.resolve().then(() => { for (;;) {} }); return 1;',
    ['kernel.timeout'],
  ],
];

const BOMBS: Case[] = [
  [
    'an array of objects',
    'const a = []; for (let i = 0; ; i++) a.push({ i, s: "row" + i, t: [i, i] });',
    ['kernel.out_of_memory', 'kernel.timeout'],
  ],
  [
    'string doubling',
    'let s = "x"; for (;;) s += s;',
    ['kernel.out_of_memory', 'kernel.error', 'kernel.timeout'],
  ],
  [
    'new Array(1e9).fill(0)',
    'return new Array(1e9).fill(0).length;',
    ['kernel.out_of_memory', 'kernel.error', 'kernel.timeout'],
  ],
  [
    'typed arrays',
    'const keep = []; for (;;) keep.push(new Float64Array(1 << 24));',
    ['kernel.out_of_memory', 'kernel.error', 'kernel.timeout'],
  ],
  [
    'Map growth',
    'const m = new Map(); for (let i = 0; ; i++) m.set("k" + i, { i });',
    ['kernel.out_of_memory', 'kernel.timeout'],
  ],
  [
    'strings held in an array',
    'const keep = []; for (let i = 0; ; i++) keep.push("x".repeat(1 << 20) + i);',
    ['kernel.out_of_memory', 'kernel.error', 'kernel.timeout'],
  ],
];

const RECURSION: Case[] = [
  ['deep recursion', 'const f = (n) => f(n + 1) + 1; return f(0);', ['kernel.error']],
  [
    'deep async recursion',
    'const f = async (n) => (await f(n + 1)) + 1; return await f(0);',
    ['kernel.error', 'kernel.timeout', 'kernel.out_of_memory'],
  ],
];

const ESCAPES: Case[] = [
  ['process', 'return process.pid;', ['kernel.error']],
  ['require', 'return require("fs").readFileSync("/etc/passwd", "utf8");', ['kernel.error']],
  [
    'import("fs")',
    'const fs = await import("fs"); return fs.readFileSync("/etc/passwd", "utf8");',
    ['kernel.error'],
  ],
  ['fetch', 'return await fetch("http://127.0.0.1:5432/");', ['kernel.error']],
  [
    'globalThis.constructor',
    'return globalThis.constructor.constructor("return process")().pid;',
    ['kernel.error'],
  ],
  ['Function("return this")()', 'return Function("return this")().process.pid;', ['kernel.error']],
  [
    'a function constructor',
    'return (function () {}).constructor("return process")().pid;',
    ['kernel.error'],
  ],
  [
    'an async function constructor',
    'return await (async () => {}).constructor("return process")();',
    ['kernel.error'],
  ],
  ['eval', 'return eval("process").pid;', ['kernel.error']],
  ['setTimeout', 'return await new Promise((r) => setTimeout(r, 10));', ['kernel.error']],
  ['WebAssembly', 'return WebAssembly.Memory;', ['kernel.error']],
  [
    'SharedArrayBuffer and Atomics',
    'return Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);',
    ['kernel.error'],
  ],
];

const HOSTILE_VALUES: Case[] = [
  ['a getter that loops forever', 'return { get x() { for (;;) {} } };', ['kernel.timeout']],
  ['a getter that throws', 'return { get x() { throw new Error("gotcha"); } };', ['kernel.invalid_result']],
  ['a Proxy whose ownKeys loops', 'return new Proxy({}, { ownKeys() { for (;;) {} } });', ['kernel.timeout']],
  [
    'a Proxy whose get throws',
    'return new Proxy({}, { ownKeys: () => ["a"], getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }), get() { throw new Error("trap"); } });',
    ['kernel.invalid_result', 'kernel.error'],
  ],
  ['a toJSON that loops forever', 'return { toJSON() { for (;;) {} } };', ['kernel.timeout']],
  [
    'Array.prototype.toJSON that loops',
    'Array.prototype.toJSON = function () { for (;;) {} }; return [1, 2];',
    ['kernel.timeout'],
  ],
  [
    'a poisoned Object.prototype.toJSON',
    'Object.defineProperty(Object.prototype, "toJSON", { get() { return () => "pwned"; } }); return { a: 1 };',
    ['kernel.invalid_result'],
  ],
  ['a thenable that never settles', 'return { then() {} };', ['kernel.timeout']],
  ['a cyclic value', 'const a = {}; a.self = a; return a;', ['kernel.invalid_result']],
  ['a function', 'return () => 1;', ['kernel.invalid_result']],
  ['a symbol', 'return Symbol("x");', ['kernel.invalid_result']],
  ['a huge string', 'return "x".repeat(2 * 1024 * 1024);', ['kernel.result_too_large']],
  [
    'a huge table',
    'return Array.from({ length: 50000 }, (_, i) => ({ i, s: "row number " + i }));',
    ['kernel.result_too_large'],
  ],
  [
    'a table with ragged rows',
    'return { columns: ["a", "b"], rows: [[1], [1, 2]] };',
    ['kernel.invalid_result'],
  ],
  [
    'an error whose message getter loops',
    'const e = new Error("x"); Object.defineProperty(e, "message", { get() { for (;;) {} } }); throw e;',
    ['kernel.timeout'],
  ],
  [
    'a thrown Proxy',
    'throw new Proxy({}, { get() { throw 1; }, getPrototypeOf() { throw 1; } });',
    ['kernel.error'],
  ],
];

describe.each([
  ['endless loops', LOOPS],
  ['allocation bombs', BOMBS],
  ['recursion', RECURSION],
  ['escape attempts', ESCAPES],
  ['values that try to run code while being copied', HOSTILE_VALUES],
])('hostile cells: %s', (_group, cases) => {
  it.each(cases)('ends %s in a typed error while another run completes', async (_name, code, expected) => {
    const {
      value: hostile,
      stallMs,
      hostCpuMs,
    } = await longestStall(
      Promise.all([runOnce(pool, code, {}, HOSTILE), expectNeighbourServed(pool)]).then(([r]) => r),
    );
    expect(hostile.ok).toBe(false);
    if (hostile.ok) return;
    expect(expected).toContain(hostile.error.code);
    // The user sees a message of the cell's own making or ours, never a host stack.
    expect(hostile.error.message).not.toMatch(/node:internal|isolated-vm|kernel-host|run-cell|\/work\//);
    expect(stallMs).toBeLessThan(MAX_STALL_MS);
    expect(hostCpuMs).toBeLessThan(MAX_HOST_CPU_MS);
    await expectRecovered(pool, 2);
    await expectNeighbourServed(pool);
  });
});

describe('what a cell sees of its world', () => {
  it('has no process, require, fetch, timers, wasm or shared memory', async () => {
    const r = await runOnce(
      pool,
      'return ["process", "require", "module", "fetch", "setTimeout", "setInterval", "queueMicrotask", "WebAssembly", "SharedArrayBuffer", "Atomics", "Buffer", "global"].filter((n) => n in globalThis);',
    );
    expect(r).toMatchObject({ ok: true, value: { result: { kind: 'value', value: [] } } });
  });

  it('runs getters of its result inside the isolate, where there is no process', async () => {
    const r = await runOnce(
      pool,
      'return { get where() { return typeof process + "/" + typeof require; } };',
    );
    expect(r).toMatchObject({
      ok: true,
      value: { result: { kind: 'value', value: { where: 'undefined/undefined' } } },
    });
  });

  it('keeps the result intact when the cell replaces JSON.stringify', async () => {
    const r = await runOnce(
      pool,
      'JSON.stringify = () => "{\\"ok\\":true,\\"result\\":{\\"kind\\":\\"value\\",\\"value\\":\\"forged\\"},\\"logs\\":[]}"; return 42;',
    );
    expect(r).toMatchObject({ ok: true, value: { result: { kind: 'value', value: 42 } } });
  });

  it('reports the line and column of the user’s exception, without a host stack', async () => {
    const r = await runOnce(pool, 'const a = 1;\nconst b = null;\nreturn b.field;');
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'kernel.error',
        message: "TypeError: Cannot read properties of null (reading 'field')",
        details: { line: 3, column: 10 },
        kind: 'user',
      },
    });
  });

  it('reports a syntax error with its line', async () => {
    const r = await runOnce(pool, 'const a = 1;\nconst = 2;');
    expect(r).toMatchObject({ ok: false, error: { code: 'kernel.error', details: { line: 2 } } });
    if (!r.ok) expect(r.error.message).toMatch(/^SyntaxError: /);
  });
});

// The isolate's memoryLimit is a guideline (KRN-1): these get past it, and the kernel process's own
// caps (isolated-vm's catastrophic-error abort, the RSS watchdog) must end them without the runner.
describe('allocation bombs that get past the isolate’s memory limit', () => {
  let roomy: KernelPool;
  let logLines: string[];
  beforeAll(() => {
    ({ pool: roomy, logLines } = startTestPool({
      size: 2,
      limits: { memoryMb: 64, cpuMs: 8000, wallMs: 20_000 },
      hostRssMb: 250,
    }));
  });
  afterAll(() => roomy.close());

  it.each([
    ['Map growth until V8 gives up', 'const m = new Map(); for (let i = 0; ; i++) m.set("k" + i, { i });'],
    [
      'a doubled string, flattened',
      'let s = "x"; for (let i = 0; i < 28; i++) s += s; return s.indexOf("y");',
    ],
  ])('ends %s with kernel.out_of_memory, and the kernel is back under its cap', async (_name, code) => {
    const before = (await roomy.memory()).kernels.map((k) => k.pid);
    const {
      value: r,
      stallMs,
      hostCpuMs,
    } = await longestStall(
      Promise.all([runOnce(roomy, code), expectNeighbourServed(roomy)]).then(([x]) => x),
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'kernel.out_of_memory' } });
    expect(stallMs).toBeLessThan(MAX_STALL_MS);
    expect(hostCpuMs).toBeLessThan(MAX_HOST_CPU_MS);
    await expectRecovered(roomy, 2);
    // Either disposing the isolate brought the process back under its cap, or the process went
    // (V8's own abort, or the watchdog's exit) and was replaced with a log line.
    await expect
      .poll(async () => (await roomy.memory()).kernels.every((k) => (k.rssBytes ?? 0) < 250 * 1024 * 1024), {
        timeout: 20_000,
      })
      .toBe(true);
    await expectRecovered(roomy, 2);
    const after = await roomy.memory();
    if (after.kernels.some((k) => !before.includes(k.pid))) {
      expect(
        logLines.some((l) => l.includes('kernel process exited') && l.includes('kernel.out_of_memory')),
      ).toBe(true);
    }
    await expectNeighbourServed(roomy);
  });
});
