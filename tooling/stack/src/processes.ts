import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type Color, humanize, paint, say } from './log';

export type Managed = {
  name: string;
  /** The current child; a supervised process gets a new one after a crash. */
  readonly child: ChildProcess;
  /** Resolves when the process is gone for good: stopped, or (supervised) crashing too often. */
  exited: Promise<number | null>;
  /** Set by stopAll before it signals, so a supervised process is not restarted. */
  stopping: boolean;
  /** How many times a supervised process was restarted. */
  restarts: number;
};

/** A supervised process that crashes more often than this within a minute is left down. */
const MAX_RESTARTS_PER_MINUTE = 5;

/**
 * Starts a child with its output line-prefixed (`api    | …`) and JSON logs made readable. With
 * `restart`, a child that exits without being stopped is started again with a log line (a runner
 * killed by a hostile query must not take the API down with it), unless it crash-loops.
 */
export function startProcess(input: {
  name: string;
  color: Color;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Keep output to warnings and errors (tests). */
  quiet?: boolean | undefined;
  restart?: boolean | undefined;
}): Managed {
  const prefix = paint(input.color, `${input.name.padEnd(7)}|`);
  const spawnChild = () => {
    const spawned = spawn(input.command, input.args, {
      cwd: input.cwd,
      env: input.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [spawned.stdout, spawned.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        if (input.quiet && /"level":(10|20|30)\b/.test(line)) return;
        process.stdout.write(`${prefix} ${humanize(line)}\n`);
      });
    }
    return spawned;
  };
  let child = spawnChild();
  const recentCrashes: number[] = [];
  let resolveExited: (code: number | null) => void = () => {};
  const exited = new Promise<number | null>((resolve) => {
    resolveExited = resolve;
  });
  const managed: Managed = {
    name: input.name,
    get child() {
      return child;
    },
    exited,
    stopping: false,
    restarts: 0,
  };
  const watch = (current: ChildProcess) =>
    current.on('exit', (code, signal) => {
      if (managed.stopping || !input.restart) return resolveExited(code);
      const now = Date.now();
      recentCrashes.push(now);
      while (recentCrashes.length && (recentCrashes[0] ?? now) < now - 60_000) recentCrashes.shift();
      if (recentCrashes.length > MAX_RESTARTS_PER_MINUTE) {
        say(
          `${input.name} exited (${signal ?? `code ${code}`}) ${recentCrashes.length} times within a minute; leaving it down`,
        );
        return resolveExited(code);
      }
      say(`${input.name} exited (${signal ?? `code ${code}`}); restarting it`);
      managed.restarts += 1;
      child = spawnChild();
      watch(child);
    });
  watch(child);
  return managed;
}

export async function stopAll(processes: Managed[], timeoutMs = 12_000): Promise<void> {
  for (const p of processes) p.stopping = true;
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }, timeoutMs);
  await Promise.all(processes.map((p) => p.exited));
  clearTimeout(timer);
}

export async function waitForHttp(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
