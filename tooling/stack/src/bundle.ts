import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin, stop } from 'esbuild';
import { root } from './paths';

/**
 * Every import of a package from the registry stays an import, of the file this machine resolves it
 * to (pnpm keeps a workspace package's dependencies beside it, where a bundle elsewhere would not
 * find them by name); Quarry's own packages (`@quarry/*`, TypeScript) and relative imports are
 * bundled.
 */
const registryPackagesExternal: Plugin = {
  name: 'registry-packages-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'resolving' || args.path.startsWith('@quarry/')) return undefined;
      if (args.path.startsWith('node:')) return { external: true };
      const resolved = await builder.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: 'resolving',
      });
      // A Node built-in named without `node:` (`fs`, `crypto`) resolves to nothing: left as it is.
      if (resolved.errors.length > 0 || !resolved.path) return { external: true };
      return { path: resolved.path, external: true };
    });
  },
};

/**
 * Bundles an app's TypeScript entry and Quarry's packages into one ESM file, `apps/<app>/dist/main.mjs`
 * (with its source map beside it), which plain Node runs: what `npm start` and the benches launch.
 * Running the sources through tsx instead keeps a loader thread and every module's transformed text
 * and inline map in memory: about 38 MB of the API's resident set at rest (190 → 152 MB here), and
 * an idle process is most of its peak while it streams a million rows (stream-1m). Takes about a
 * second.
 */
export async function bundleApp(app: 'api' | 'query-runner'): Promise<string> {
  const source = join(root, 'apps', app, 'src');
  const outdir = join(root, 'apps', app, 'dist');
  const built = await build({
    entryPoints: [
      { in: join(source, 'main.ts'), out: 'main' },
      // The runner forks its kernel host by path (kernels/kernel-process.ts): it is bundled beside.
      ...(app === 'query-runner'
        ? [{ in: join(source, 'kernels', 'kernel-host.ts'), out: 'kernel-host' }]
        : []),
    ],
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // Error names, class names and stack frames read as in the sources.
    keepNames: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [registryPackagesExternal],
    write: false,
  });
  // Launches at once (test files, benches) each write a whole file under a name of their own and
  // rename it into place, so none starts Node on another's half-written bundle.
  mkdirSync(outdir, { recursive: true });
  for (const file of built.outputFiles) {
    const partial = `${file.path}.${process.pid}.${randomUUID()}.partial`;
    writeFileSync(partial, file.contents);
    renameSync(partial, file.path);
  }
  return join(outdir, 'main.mjs');
}

/**
 * Bundles the api and the query runner, then ends esbuild's service process, which otherwise stays
 * beside `npm start` for its whole life holding what the builds left in its heap (142 MB seen). The
 * next esbuild call (tsx's, say) starts a fresh one.
 */
export async function bundleProduct(): Promise<{ api: string; runner: string }> {
  try {
    const [api, runner] = await Promise.all([bundleApp('api'), bundleApp('query-runner')]);
    return { api, runner };
  } finally {
    await stop();
  }
}
