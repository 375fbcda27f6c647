import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * One procedure shape (issue 8): a router lists its procedures; each procedure validates, calls a
 * service returning `Result` and maps it; services hold the SQL. These checks read the source so a
 * router that grows a query, or a domain that re-exports another's module, fails here.
 */
const SRC = new URL('.', import.meta.url).pathname;

const QUERY_BUILDING = [
  { what: "an import from 'drizzle-orm'", pattern: /from\s+['"]drizzle-orm['"]/ },
  { what: "an import from '@quarry/db/schema'", pattern: /from\s+['"]@quarry\/db\/schema['"]/ },
  {
    what: 'a query (.select/.insert/.update/.delete/.execute)',
    pattern: /\.(select|insert|update|delete|execute)\(/,
  },
  { what: 'a transaction', pattern: /\.transaction\(/ },
];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => relative(SRC, join(e.parentPath, e.name)));
}

describe('the API keeps one procedure shape', () => {
  it('refuses SQL or query building in any router file', async () => {
    const routers = (await sourceFiles(SRC)).filter((f) => f.endsWith('router.ts'));
    expect(routers).toContain('connections/router.ts');
    const offenders: string[] = [];
    for (const file of routers) {
      const text = await readFile(join(SRC, file), 'utf8');
      for (const { what, pattern } of QUERY_BUILDING) {
        if (pattern.test(text)) offenders.push(`${file}: ${what}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('refuses SQL or query building in any procedure file (services hold it)', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      const text = await readFile(join(SRC, file), 'utf8');
      if (!/\.meta\(\{\s*permission:/.test(text)) continue;
      for (const { what, pattern } of QUERY_BUILDING) {
        if (pattern.test(text)) offenders.push(`${file}: ${what}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('refuses a re-export of another module across domains (one place to import from)', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      if (file === 'index.ts' || file.endsWith('/index.ts')) continue;
      const text = await readFile(join(SRC, file), 'utf8');
      for (const match of text.matchAll(
        /export\s+(?:type\s+)?(?:\{[^}]*\}|\*)\s+from\s+['"](\.[^'"]+)['"]/g,
      )) {
        offenders.push(`${file} re-exports ${match[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
