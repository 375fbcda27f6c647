import { observe } from './leak-scan';
import { textForScan } from './serialize';

type LogFn = (fields: Record<string, unknown>, msg: string) => void;
export type ObservingLogger = { info: LogFn; warn: LogFn; error: LogFn; debug: LogFn };

/**
 * A logger that writes nothing and hands each call (fields and message, serialized as a log line
 * would be) to the leak scan as `log:<name>`.
 */
export function observingLogger(name: string): ObservingLogger {
  const line =
    (level: string): LogFn =>
    (fields, msg) =>
      observe(textForScan({ level, ...fields, msg }), `log:${name}`);
  return { info: line('info'), warn: line('warn'), error: line('error'), debug: line('debug') };
}

/** A pino destination: each line written goes to the leak scan as `log:<name>`, then to `also`. */
export function observingLogStream(
  name: string,
  also?: (line: string) => void,
): { write: (line: string) => void } {
  return {
    write: (line: string) => {
      observe(line, `log:${name}`);
      also?.(line);
    },
  };
}
