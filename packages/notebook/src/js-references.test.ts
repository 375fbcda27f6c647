import { describe, expect, it } from 'vitest';
import { analyzeJs, jsFreeNames } from './js-references';

const free = (source: string): string[] => {
  const result = analyzeJs(source);
  if (!result.ok) throw new Error(result.error.message);
  return [...new Set(result.value.free.map((r) => r.name))];
};

describe('analyzeJs', () => {
  it.each<[string, string, string[]]>([
    ['a bare name', 'return orders', ['orders']],
    ['top-level await', 'const r = await fetchThing(orders); return r', ['fetchThing', 'orders']],
    ['a property is not a reference', 'return a.orders', ['a']],
    ['a computed property is', 'return a[orders]', ['a', 'orders']],
    ['optional chaining', 'return a?.orders?.[status]', ['a', 'status']],
    ['an object key is not a reference', 'return { orders: 1, [status]: 2 }', ['status']],
    ['a shorthand property is', 'return { orders }', ['orders']],
    ['a method key is not', 'return { orders() { return status } }', ['status']],
    ['a top-level const shadows', 'const orders = []; return orders', []],
    ['a later var shadows (hoisting)', 'x = orders; var orders = 1; return x', ['x']],
    ['a function declaration shadows', 'return orders(); function orders() { return 1 }', []],
    [
      'a parameter shadows inside its function only',
      'const f = (orders) => orders; return f(orders)',
      ['orders'],
    ],
    [
      'a destructured parameter with a default',
      'const f = ({ a: orders = status }, ...rest) => orders + rest; return f',
      ['status'],
    ],
    ['a block-scoped let does not leak', '{ let orders = 1 } return orders', ['orders']],
    ['a for-of binding', 'for (const row of orders) total += row.amount; return total', ['orders', 'total']],
    ['a catch binding', 'try { x() } catch (orders) { return orders } return orders', ['x', 'orders']],
    [
      'a function expression name is local to it',
      'const f = function orders() { return orders }; return orders',
      ['orders'],
    ],
    [
      'a class and its members',
      'class A extends Base { orders = status; static #p = 1; m() { return this.orders } } return new A()',
      ['Base', 'status'],
    ],
    ['labels are not references', 'orders: for (;;) { break orders } return 1', []],
    ['strings and templates hold no references', 'return "orders" + `orders $' + '{status}`', ['status']],
    [
      'an assignment target is a reference',
      'orders = 1; [status] = [2]; ({ a: region } = {}); return 1',
      ['orders', 'status', 'region'],
    ],
    [
      'switch cases share one scope',
      'switch (k) { case 1: let orders = 1; break; default: return orders } return orders',
      ['k', 'orders'],
    ],
    ['new.target and import.meta-free code', 'function F() { return new.target } return F', []],
    ['arguments inside a function is its own', 'function f() { return arguments } return f', []],
    ['a regular expression literal', 'return /orders/.test(status)', ['status']],
    ['a default parameter reads outside', 'const f = (x = orders) => x; return f()', ['orders']],
    [
      'destructuring in for-of',
      'for (const { id, status: s } of orders) total += id; return total',
      ['orders', 'total'],
    ],
    ['a for await loop', 'for await (const chunk of stream) n++; return n', ['stream', 'n']],
    ['an optional catch binding', 'try { a() } catch { return b } return c', ['a', 'b', 'c']],
    ['a generator and its yield', 'function* g() { yield orders } return [...g()]', ['orders']],
    [
      'getters and setters are keys',
      'return { get orders() { return status }, set region(v) { x = v } }',
      ['status', 'x'],
    ],
    ['dynamic import is a call, its argument a reference', 'return import(url)', ['url']],
    ['a class name shadows after its declaration', 'class orders {} return new orders()', []],
    [
      'a class expression name is its own',
      'const A = class orders { m() { return orders } }; return orders',
      ['orders'],
    ],
    [
      'a static block has its own scope',
      'class A { static { const orders = 1; x = orders } } return A',
      ['x'],
    ],
    ['an async arrow with await', 'const f = async (v) => await v(orders); return f', ['orders']],
    [
      'a nested function reads outer locals, not free',
      'const rows = orders; function f() { return rows.length } return f()',
      ['orders'],
    ],
    ['a tagged template', 'return sql`select $' + '{status}`', ['sql', 'status']],
  ])('%s', (_, source, expected) => {
    expect(free(source)).toEqual(expected);
  });

  it('marks shorthand properties and positions', () => {
    const result = analyzeJs('return { orders }');
    expect(result.ok && result.value.free).toEqual([{ name: 'orders', start: 9, end: 15, shorthand: true }]);
  });

  it('lists every name the cell declares', () => {
    const result = analyzeJs('const a = 1; function b(c) { let d } try {} catch (e) {}');
    expect(result.ok && [...result.value.declared].sort()).toEqual(['a', 'arguments', 'b', 'c', 'd', 'e']);
  });

  it.each<[string, string, number, number]>([
    ['an unclosed call', 'return f(', 1, 10],
    ['a bad token on line 2', 'const a = 1\nconst = 2', 2, 7],
    ['a duplicate let', 'let a; let a;', 1, 12],
  ])('refuses %s with notebook.js_syntax at its line and column', (_, source, line, column) => {
    const result = analyzeJs(source);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('notebook.js_syntax');
    expect(result.error.details).toEqual({ line, column });
    expect(result.error.message).toMatch(new RegExp(`^Line ${line}, column ${column}: `));
  });
});

describe('jsFreeNames', () => {
  it('answers the free names once each, in source order, and the syntax error as analyzeJs does', () => {
    expect(jsFreeNames('const a = b + c; return b + a + d')).toEqual({ ok: true, value: ['b', 'c', 'd'] });
    const broken = jsFreeNames('return (');
    const analysed = analyzeJs('return (');
    expect(broken.ok || analysed.ok).toBe(false);
    expect(!broken.ok && broken.error).toEqual(!analysed.ok && analysed.error);
  });

  it('remembers a source (the same frozen answer, not parsed again) until it is the oldest past the bound', () => {
    const source = `return orders.length + ${Math.random()}`;
    const first = jsFreeNames(source);
    expect(jsFreeNames(source)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first.ok && Object.isFrozen(first.value)).toBe(true);
    // Enough other sources to pass the bound on entries: the first is forgotten, and parsed again.
    for (let i = 0; i < 2100; i += 1) jsFreeNames(`return x${i}`);
    const again = jsFreeNames(source);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
