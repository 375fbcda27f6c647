import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { childEnv, env } from './env';
import { paint, say } from './log';

/** Where the browser tests look for Chromium (apps/web/e2e/chromium.ts reads the same variable). */
export const chromiumPath = (): string => env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The command that installs Debian's Chromium, as `.ci/run` does. */
export const INSTALL_CHROMIUM = 'apt-get update && apt-get install -y chromium';

const canInstall = () =>
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;

/**
 * The browser tests need a real Chromium. When it is missing and this machine can install Debian's
 * packages as root (as CI does), it is installed; otherwise the run goes on and says so loudly at
 * the end (`reportMissingChromium`), never by skipping in silence.
 */
export function ensureChromium(): boolean {
  if (existsSync(chromiumPath())) return true;
  if (!env.CHROMIUM_PATH && canInstall()) {
    say('Chromium is missing; installing it from Debian’s packages for the browser tests…');
    const installed = spawnSync('sh', ['-c', `${INSTALL_CHROMIUM} -qq >/dev/null`], {
      stdio: 'inherit',
      env: childEnv({ DEBIAN_FRONTEND: 'noninteractive' }),
    });
    if (installed.status === 0 && existsSync(chromiumPath())) return true;
  }
  return false;
}

export function reportMissingChromium(): void {
  const line = paint('yellow', '!'.repeat(60));
  process.stdout.write(
    `${line}\n${paint('yellow', '  The browser tests did NOT run: no Chromium at')} ${chromiumPath()}\n` +
      `  Install it (Debian or Ubuntu, as root): ${paint('cyan', INSTALL_CHROMIUM)}\n` +
      `  or point CHROMIUM_PATH at a Chromium or Chrome binary, then run npm test again.\n${line}\n\n`,
  );
}
