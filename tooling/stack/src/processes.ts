import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type Color, humanize, paint } from './log';

export type Managed = { name: string; child: ChildProcess; exited: Promise<number | null> };

/** Starts a child with its output line-prefixed (`api    | …`) and JSON logs made readable. */
export function startProcess(input: {
  name: string;
  color: Color;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Keep output to warnings and errors (tests). */
  quiet?: boolean | undefined;
}): Managed {
  const child = spawn(input.command, input.args, {
    cwd: input.cwd,
    env: input.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = paint(input.color, `${input.name.padEnd(7)}|`);
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      if (input.quiet && /"level":(10|20|30)\b/.test(line)) return;
      process.stdout.write(`${prefix} ${humanize(line)}\n`);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name: input.name, child, exited };
}

export async function stopAll(processes: Managed[], timeoutMs = 12_000): Promise<void> {
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
