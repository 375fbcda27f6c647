import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import { parse } from 'acorn';

/**
 * One free identifier of a JS cell: a name the cell reads but does not declare, so it refers to
 * the cell's surroundings (an earlier cell, an input, or a global such as `Math`). `shorthand`
 * marks `{ orders }` in an object literal, where the name is also the property's key.
 */
export type JsReference = { name: string; start: number; end: number; shorthand: boolean };

/** What a JS cell reads from outside and every name it declares anywhere. */
export type JsAnalysis = { free: JsReference[]; declared: Set<string> };

type Node = { type: string; start: number; end: number; [key: string]: unknown };
type Scope = { parent: Scope | null; names: Set<string> };

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';

const child = (node: Node, key: string): Node | null => {
  const value = node[key];
  return isNode(value) ? value : null;
};

const children = (node: Node, key: string): Node[] => {
  const value = node[key];
  return Array.isArray(value) ? value.filter(isNode) : [];
};

const SKIPPED_KEYS = new Set(['type', 'start', 'end', 'loc', 'range']);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/**
 * Parses a JS cell (the body of an async function: top-level `await` and `return` allowed) with
 * acorn and lists its free identifiers in source order: not properties (`a.orders`), object keys,
 * labels, or names declared by the cell (variables, functions, classes, parameters, catch
 * bindings) where they are in scope. A syntax error is `notebook.js_syntax` with its line and
 * (1-based) column.
 */
export function analyzeJs(source: string): Result<JsAnalysis> {
  let program: Node;
  try {
    program = parse(source, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      locations: false,
    }) as unknown as Node;
  } catch (cause) {
    return err(jsSyntaxError(cause));
  }
  const analysis: JsAnalysis = { free: [], declared: new Set() };
  new Walker(analysis).program(program);
  return ok(analysis);
}

function jsSyntaxError(cause: unknown): QuarryError {
  const loc = (cause as { loc?: { line?: unknown; column?: unknown } }).loc;
  const line = typeof loc?.line === 'number' ? loc.line : 1;
  const column = typeof loc?.column === 'number' ? loc.column + 1 : 1;
  const raw = cause instanceof Error ? cause.message : 'Unexpected input';
  const what = raw.replace(/\s*\(\d+:\d+\)$/, '');
  return {
    code: 'notebook.js_syntax',
    message: `Line ${line}, column ${column}: ${what}`,
    hint: 'Correct the code at that place, then run the cell again',
    details: { line, column },
  };
}

class Walker {
  constructor(private readonly out: JsAnalysis) {}

  program(node: Node): void {
    const scope: Scope = { parent: null, names: new Set() };
    const body = children(node, 'body');
    collectVarNames(body, scope.names);
    collectLexicalNames(body, scope.names);
    this.declare(scope);
    for (const statement of body) this.visit(statement, scope);
  }

  private declare(scope: Scope): void {
    for (const name of scope.names) this.out.declared.add(name);
  }

  private reference(node: Node, scope: Scope, shorthand = false): void {
    const name = node.name as string;
    for (let s: Scope | null = scope; s; s = s.parent) if (s.names.has(name)) return;
    this.out.free.push({ name, start: node.start, end: node.end, shorthand });
  }

  private block(statements: Node[], parent: Scope, extra: Iterable<string> = []): Scope {
    const scope: Scope = { parent, names: new Set(extra) };
    collectLexicalNames(statements, scope.names);
    this.declare(scope);
    return scope;
  }

  private fn(node: Node, scope: Scope): void {
    const params = children(node, 'params');
    const inner: Scope = { parent: scope, names: new Set() };
    const id = child(node, 'id');
    // A function expression's own name is visible inside it only.
    if (id && node.type === 'FunctionExpression') inner.names.add(id.name as string);
    if (node.type !== 'ArrowFunctionExpression') inner.names.add('arguments');
    for (const param of params) boundNames(param, inner.names);
    const body = child(node, 'body');
    if (body?.type === 'BlockStatement') {
      const statements = children(body, 'body');
      collectVarNames(statements, inner.names);
      collectLexicalNames(statements, inner.names);
    }
    this.declare(inner);
    for (const param of params) this.pattern(param, inner, 'bind');
    if (!body) return;
    if (body.type === 'BlockStatement')
      for (const statement of children(body, 'body')) this.visit(statement, inner);
    else this.visit(body, inner);
  }

  private klass(node: Node, scope: Scope): void {
    const inner: Scope = { parent: scope, names: new Set() };
    const id = child(node, 'id');
    if (id && node.type === 'ClassExpression') inner.names.add(id.name as string);
    const superClass = child(node, 'superClass');
    if (superClass) this.visit(superClass, inner);
    const body = child(node, 'body');
    for (const member of body ? children(body, 'body') : []) {
      if (member.type === 'StaticBlock') {
        const statements = children(member, 'body');
        const names = new Set<string>();
        collectVarNames(statements, names);
        const blockScope = this.block(statements, inner, names);
        for (const statement of statements) this.visit(statement, blockScope);
        continue;
      }
      const key = child(member, 'key');
      if (key && member.computed) this.visit(key, inner);
      const value = child(member, 'value');
      if (value) this.visit(value, inner);
    }
  }

  /** A binding or assignment target: declared names are not references; defaults and computed keys are. */
  private pattern(node: Node, scope: Scope, mode: 'bind' | 'assign'): void {
    switch (node.type) {
      case 'Identifier':
        if (mode === 'assign') this.reference(node, scope);
        return;
      case 'ObjectPattern':
        for (const property of children(node, 'properties')) {
          if (property.type === 'RestElement') {
            const argument = child(property, 'argument');
            if (argument) this.pattern(argument, scope, mode);
            continue;
          }
          const key = child(property, 'key');
          if (key && property.computed) this.visit(key, scope);
          const value = child(property, 'value');
          if (value) this.pattern(value, scope, mode);
        }
        return;
      case 'ArrayPattern':
        for (const element of children(node, 'elements')) this.pattern(element, scope, mode);
        return;
      case 'RestElement': {
        const argument = child(node, 'argument');
        if (argument) this.pattern(argument, scope, mode);
        return;
      }
      case 'AssignmentPattern': {
        const left = child(node, 'left');
        const right = child(node, 'right');
        if (left) this.pattern(left, scope, mode);
        if (right) this.visit(right, scope);
        return;
      }
      default:
        // A member expression as an assignment target (`a.b = 1`, `[x.y] = z`).
        this.visit(node, scope);
    }
  }

  visit(node: Node, scope: Scope): void {
    switch (node.type) {
      case 'Identifier':
        this.reference(node, scope);
        return;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.fn(node, scope);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        this.klass(node, scope);
        return;
      case 'BlockStatement':
      case 'StaticBlock': {
        const statements = children(node, 'body');
        const inner = this.block(statements, scope);
        for (const statement of statements) this.visit(statement, inner);
        return;
      }
      case 'SwitchStatement': {
        const discriminant = child(node, 'discriminant');
        if (discriminant) this.visit(discriminant, scope);
        const cases = children(node, 'cases');
        const inner = this.block(
          cases.flatMap((c) => children(c, 'consequent')),
          scope,
        );
        for (const c of cases) {
          const test = child(c, 'test');
          if (test) this.visit(test, inner);
          for (const statement of children(c, 'consequent')) this.visit(statement, inner);
        }
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const head = child(node, node.type === 'ForStatement' ? 'init' : 'left');
        const inner = this.block(head ? [head] : [], scope);
        for (const key of ['init', 'test', 'update', 'left', 'right', 'body']) {
          const part = child(node, key);
          if (!part) continue;
          if (key === 'left' && part.type !== 'VariableDeclaration') this.pattern(part, inner, 'assign');
          else this.visit(part, inner);
        }
        return;
      }
      case 'CatchClause': {
        const names = new Set<string>();
        const param = child(node, 'param');
        if (param) boundNames(param, names);
        const inner: Scope = { parent: scope, names };
        this.declare(inner);
        if (param) this.pattern(param, inner, 'bind');
        const body = child(node, 'body');
        if (body) this.visit(body, inner);
        return;
      }
      case 'VariableDeclarator': {
        const id = child(node, 'id');
        const init = child(node, 'init');
        if (id) this.pattern(id, scope, 'bind');
        if (init) this.visit(init, scope);
        return;
      }
      case 'AssignmentExpression': {
        const left = child(node, 'left');
        const right = child(node, 'right');
        if (left) this.pattern(left, scope, 'assign');
        if (right) this.visit(right, scope);
        return;
      }
      case 'MemberExpression': {
        const object = child(node, 'object');
        const property = child(node, 'property');
        if (object) this.visit(object, scope);
        if (property && node.computed) this.visit(property, scope);
        return;
      }
      case 'Property': {
        const key = child(node, 'key');
        const value = child(node, 'value');
        if (key && node.computed) this.visit(key, scope);
        if (!value) return;
        if (node.shorthand && value.type === 'Identifier') this.reference(value, scope, true);
        else this.visit(value, scope);
        return;
      }
      case 'MethodDefinition':
      case 'PropertyDefinition': {
        const key = child(node, 'key');
        const value = child(node, 'value');
        if (key && node.computed) this.visit(key, scope);
        if (value) this.visit(value, scope);
        return;
      }
      case 'LabeledStatement': {
        const body = child(node, 'body');
        if (body) this.visit(body, scope);
        return;
      }
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'MetaProperty':
      case 'PrivateIdentifier':
      case 'ThisExpression':
      case 'Super':
      case 'Literal':
        return;
      default:
        for (const [key, value] of Object.entries(node)) {
          if (SKIPPED_KEYS.has(key)) continue;
          if (Array.isArray(value)) {
            for (const item of value) if (isNode(item)) this.visit(item, scope);
          } else if (isNode(value)) {
            this.visit(value, scope);
          }
        }
    }
  }
}

/** The names a binding pattern declares (`{ a, b: [c, ...d] = x }` → a, c, d). */
function boundNames(node: Node, out: Set<string>): void {
  switch (node.type) {
    case 'Identifier':
      out.add(node.name as string);
      return;
    case 'ObjectPattern':
      for (const property of children(node, 'properties')) {
        const target =
          property.type === 'RestElement' ? child(property, 'argument') : child(property, 'value');
        if (target) boundNames(target, out);
      }
      return;
    case 'ArrayPattern':
      for (const element of children(node, 'elements')) boundNames(element, out);
      return;
    case 'RestElement': {
      const argument = child(node, 'argument');
      if (argument) boundNames(argument, out);
      return;
    }
    case 'AssignmentPattern': {
      const left = child(node, 'left');
      if (left) boundNames(left, out);
      return;
    }
  }
}

/** `var` names declared anywhere in these statements, not looking into nested functions. */
function collectVarNames(statements: Node[], out: Set<string>): void {
  const walk = (node: Node): void => {
    if (FUNCTIONS.has(node.type) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression')
      return;
    if (node.type === 'VariableDeclaration' && node.kind === 'var') {
      for (const declarator of children(node, 'declarations')) {
        const id = child(declarator, 'id');
        if (id) boundNames(id, out);
      }
    }
    // Only statements can hold a `var`; expressions reach one only through a function, skipped above.
    for (const [key, value] of Object.entries(node)) {
      if (SKIPPED_KEYS.has(key)) continue;
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) walk(item);
      } else if (isNode(value)) {
        walk(value);
      }
    }
  };
  for (const statement of statements) walk(statement);
}

/** Names declared directly in a block: `let`, `const`, `using`, classes and functions. */
function collectLexicalNames(statements: Node[], out: Set<string>): void {
  for (const statement of statements) {
    if (statement.type === 'VariableDeclaration' && statement.kind !== 'var') {
      for (const declarator of children(statement, 'declarations')) {
        const id = child(declarator, 'id');
        if (id) boundNames(id, out);
      }
    } else if (statement.type === 'FunctionDeclaration' || statement.type === 'ClassDeclaration') {
      const id = child(statement, 'id');
      if (id) out.add(id.name as string);
    }
  }
}

/** How many JS sources `jsFreeNames` remembers, and how much of their text in all (characters). */
const MEMO_ENTRIES = 2048;
const MEMO_SOURCE = 16 * 1024 * 1024;
const memo = new Map<string, Result<readonly string[]>>();
let memoSource = 0;

/**
 * The names a JS cell's free identifiers use, each once in source order, or its syntax error: what
 * the notebook's graph reads of a JS cell (see `analyzeJs`). Remembered by source in a small LRU
 * (at most MEMO_ENTRIES sources and MEMO_SOURCE characters of them), as every move, rename and run
 * reads every JS cell of a notebook and parsing is the cost: a notebook's unchanged cells are parsed
 * once, not once per call. The answer is frozen, as it is shared.
 */
export function jsFreeNames(source: string): Result<readonly string[]> {
  const remembered = memo.get(source);
  if (remembered) {
    memo.delete(source);
    memo.set(source, remembered);
    return remembered;
  }
  const analysis = analyzeJs(source);
  const answer: Result<readonly string[]> = Object.freeze(
    analysis.ok
      ? ok(Object.freeze([...new Set(analysis.value.free.map((r) => r.name))]))
      : err(Object.freeze(analysis.error)),
  );
  if (source.length <= MEMO_SOURCE) {
    memo.set(source, answer);
    memoSource += source.length;
    for (const oldest of memo.keys()) {
      if (memo.size <= MEMO_ENTRIES && memoSource <= MEMO_SOURCE) break;
      memo.delete(oldest);
      memoSource -= oldest.length;
    }
  }
  return answer;
}
