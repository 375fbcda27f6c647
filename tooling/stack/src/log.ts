const COLORS = { cyan: 36, magenta: 35, yellow: 33, green: 32, red: 31, grey: 90, blue: 34 } as const;
export type Color = keyof typeof COLORS;

export const paint = (color: Color, text: string) =>
  process.stdout.isTTY ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text;
export const say = (line: string) => process.stdout.write(`${paint('cyan', 'quarry')} ${line}\n`);

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Turns a pino JSON line into `level msg key=value …` for people; other lines pass unchanged. */
export function humanize(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const {
      level,
      msg,
      time: _t,
      pid: _p,
      hostname: _h,
      name: _n,
      service: _s,
      ...rest
    } = JSON.parse(line) as Record<string, unknown>;
    const levelName = LEVELS[Number(level)] ?? String(level);
    const fields = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const tag = levelName === 'info' ? '' : `${paint(levelName === 'warn' ? 'yellow' : 'red', levelName)} `;
    return `${tag}${String(msg ?? '')} ${paint('grey', fields)}`.trimEnd();
  } catch {
    return line;
  }
}
