import { describe, expect, it } from 'vitest';
import { insertionAt } from './insertion';

const SELECT = 'select * from "public"."orders" limit 100';
const apply = (doc: string, change: ReturnType<typeof insertionAt>) =>
  doc.slice(0, change.from) + change.insert + doc.slice(change.to);

describe('insertionAt', () => {
  it('fills a blank cell with the statement', () => {
    const change = insertionAt('  \n', { from: 1, to: 1 }, SELECT);
    expect(apply('  \n', change)).toBe(SELECT);
    expect(change.cursor).toBe(SELECT.length);
  });

  it('replaces the selected text', () => {
    const doc = 'select 1;\nselect 2;';
    const change = insertionAt(doc, { from: doc.length, to: 10 }, SELECT);
    expect(apply(doc, change)).toBe(`select 1;\n${SELECT}`);
    expect(change.cursor).toBe(10 + SELECT.length);
  });

  it('puts the statement on its own line when the cursor is inside a line', () => {
    const doc = 'select 1;select 2;';
    const change = insertionAt(doc, { from: 9, to: 9 }, SELECT);
    expect(apply(doc, change)).toBe(`select 1;\n${SELECT}\nselect 2;`);
    expect(change.cursor).toBe(10 + SELECT.length);
  });

  it('adds no blank lines where the cursor already is on an empty line', () => {
    const doc = 'select 1;\n\nselect 2;';
    const change = insertionAt(doc, { from: 10, to: 10 }, SELECT);
    expect(apply(doc, change)).toBe(`select 1;\n${SELECT}\nselect 2;`);
  });

  it('starts a new line after text that ends without one', () => {
    const doc = 'select 1;';
    expect(apply(doc, insertionAt(doc, { from: doc.length, to: doc.length }, SELECT))).toBe(
      `select 1;\n${SELECT}`,
    );
  });
});
