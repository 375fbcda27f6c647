import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type ErrorDomain, NotFoundErrorCode, QuarryErrorCode } from './error-codes';
import { QuarryError } from './quarry-error';

const ROOT = new URL('../../../../', import.meta.url).pathname;

/** Every `code: 'domain.name'` literal in the source of the packages and apps (tests excepted). */
async function codesInSource(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const top of ['packages', 'apps']) {
    const entries = await readdir(join(ROOT, top), { withFileTypes: true, recursive: true });
    for (const e of entries) {
      if (!e.isFile() || !/\.tsx?$/.test(e.name) || /\.test\.tsx?$/.test(e.name)) continue;
      const path = join(e.parentPath, e.name);
      if (path.includes('node_modules') || path.includes('/dist/') || path.includes('/e2e/')) continue;
      const text = await readFile(path, 'utf8');
      for (const m of text.matchAll(/\bcode: '([a-z]+\.[a-z_.]+)'/g)) {
        const code = m[1] ?? '';
        // Role warnings of Test connection are findings about a database role, not errors.
        if (!code.startsWith('role.')) found.set(code, path.slice(ROOT.length));
      }
    }
  }
  return found;
}

describe('error codes', () => {
  it('lists every code the source sends, so a client can switch on all of them', async () => {
    const known = new Set<string>(QuarryErrorCode.options);
    const missing = [...(await codesInSource())]
      .filter(([code]) => !known.has(code))
      .map(([c, f]) => `${c} (${f})`);
    expect(missing).toEqual([]);
  });

  it('names each not-found subject as not_found.<subject>', () => {
    expect(NotFoundErrorCode.options).toContain('not_found.project');
    // An error that carries one is a valid QuarryError (a run summary's error is validated as one).
    expect(QuarryError.safeParse({ code: 'not_found.project', message: 'Not found' }).success).toBe(true);
    expect(QuarryErrorCode.safeParse('not_found.nothing').success).toBe(false);
  });

  it('keeps each code to domain.snake_case, one domain per code', () => {
    for (const code of QuarryErrorCode.options) expect(code).toMatch(/^[a-z_]+\.[a-z_]+$/);
    expectTypeOf<'sso'>().toExtend<ErrorDomain>();
    expectTypeOf<'nonsense'>().not.toExtend<ErrorDomain>();
  });
});
