import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

// KRN-3 as a rule on our own source: the behaviour tests show what a cell cannot reach today; these
// keep a later change from handing it a bridge (a Reference, a host callback, an ExternalCopy) or
// loading compiled code from outside (cached data, a snapshot).
const DIR = new URL('./', import.meta.url);

async function kernelSources(): Promise<{ name: string; text: string }[]> {
  const names = (await readdir(DIR)).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'));
  // Comments may name what is forbidden; only code counts.
  const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return Promise.all(
    names.map(async (name) => ({ name, text: code(await readFile(new URL(name, DIR), 'utf8')) })),
  );
}

describe('what the kernel code may use of isolated-vm (KRN-3)', () => {
  it.each([
    ['a Reference', /\bReference\b|reference:\s*true/],
    ['a host Callback', /\bCallback\b/],
    ['an ExternalCopy', /\bExternalCopy\b|externalCopy:\s*true/],
    ['a value set on the isolate’s global', /\.global\b/],
    ['cached compiled code', /cachedData|produceCachedData/],
    ['a snapshot', /createSnapshot|snapshot:/],
    ['the inspector', /inspector/],
  ])('never hands the isolate %s', async (_what, pattern) => {
    const offenders = (await kernelSources()).filter((f) => pattern.test(f.text)).map((f) => f.name);
    expect(offenders).toEqual([]);
  });

  it('passes values into a cell only as strings and numbers (copies), and takes a string back', async () => {
    const runCell = (await kernelSources()).find((f) => f.name === 'run-cell.ts')?.text ?? '';
    expect(runCell).toContain('[input.inputsJson, input.secretsJson, limits.maxResultBytes]');
    expect(runCell).toContain("typeof answer !== 'string'");
  });
});
